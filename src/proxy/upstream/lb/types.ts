// What a load-balancing policy implements: a picker over one list of hosts. The priority,
// panic and retry logic around it is shared (load-balancer.ts).
import type { HostImpl } from '../host.js';

/** Picks one host from the list it was built for (a priority's healthy hosts, or all in panic). */
export interface HostPicker {
  /** Never called on an empty list. */
  pick(): HostImpl;
}

/** Builds a picker for a non-empty host list; called again whenever membership or health changes. */
export type PickerFactory = (hosts: readonly HostImpl[]) => HostPicker;

/** Whether every host has the same weight (Envoy then skips the weighted scheduler). */
export function sameWeights(hosts: readonly HostImpl[]): boolean {
  const w = hosts[0].weight;
  for (let i = 1; i < hosts.length; i++) if (hosts[i].weight !== w) return false;
  return true;
}
