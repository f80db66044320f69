// Locality-weighted balancing (common_lb_config.locality_weighted_lb_config): within a priority,
// a locality is chosen by EDF over its effective weight, then a host inside it by the policy.
import type { HostImpl } from '../host.js';
import { EdfScheduler } from './edf.js';
import type { HostPicker, PickerFactory } from './types.js';

interface LocalityEntry {
  readonly weight: number;
  readonly picker: HostPicker;
}

function localityKey(h: HostImpl): string {
  const l = h.locality;
  return `${l.region}\u0000${l.zone}\u0000${l.subZone}`;
}

/**
 * Envoy's effective locality weight: the locality's load_balancing_weight times its health
 * (healthy/total, scaled by the overprovisioning factor and capped at 1).
 */
export function effectiveLocalityWeight(weight: number, healthy: number, total: number, overprovisioningPct: number): number {
  if (weight === 0 || total === 0 || healthy === 0) return 0;
  return weight * Math.min(1, (overprovisioningPct / 100) * (healthy / total));
}

/** Picks a locality, then a host in it; null when no locality has weight (Envoy then has no host). */
export function localityWeightedPicker(healthy: readonly HostImpl[], available: readonly HostImpl[],
  factory: PickerFactory, overprovisioningPct: number): HostPicker | null {
  const totals = new Map<string, number>();
  for (const h of available) totals.set(localityKey(h), (totals.get(localityKey(h)) ?? 0) + 1);
  const groups = new Map<string, HostImpl[]>();
  for (const h of healthy) {
    const k = localityKey(h);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = []));
    g.push(h);
  }
  const edf = new EdfScheduler<LocalityEntry>();
  for (const [k, hosts] of groups) {
    const w = effectiveLocalityWeight(hosts[0].localityWeight, hosts.length, totals.get(k) ?? hosts.length, overprovisioningPct);
    if (w > 0) edf.add(w, { weight: w, picker: factory(hosts) });
  }
  if (edf.size === 0) return null;
  if (edf.size === 1) return edf.pickAndAdd((e) => e.weight)!.picker;
  return { pick: () => edf.pickAndAdd((e) => e.weight)!.picker.pick() };
}
