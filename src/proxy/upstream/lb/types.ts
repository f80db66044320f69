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

/** A consistent-hash picker (RING_HASH, MAGLEV); pick() uses a random hash, as Envoy without a hash key. */
export interface HashPicker extends HostPicker {
  /**
   * The host for a 64-bit hash given as two 32-bit words. `attempt` > 0 re-picks for host
   * selection retries (Envoy's chooseHost(hash, attempt)).
   */
  pickByHash(hashHi: number, hashLo: number, attempt: number): HostImpl;
}

/** A PickerFactory whose pickers hash: the load balancer then picks priority and host from the request's hash. */
export interface HashPickerFactory {
  (hosts: readonly HostImpl[]): HashPicker;
  readonly consistentHash: true;
}

/** Whether every host has the same weight (Envoy then skips the weighted scheduler). */
export function sameWeights(hosts: readonly HostImpl[]): boolean {
  const w = hosts[0].weight;
  for (let i = 1; i < hosts.length; i++) if (hosts[i].weight !== w) return false;
  return true;
}

/** A uniformly random unsigned 32-bit word (a 64-bit random hash is two of them). */
export function random32(): number {
  return Math.floor(Math.random() * 4294967296);
}
