// Locality load balancing on a ClusterLoadAssignment (istiod's loadbalancer package): `distribute` weights, or
// failover priorities by failoverPriority labels and/or region/zone/subzone proximity (outlier detection only).
import { clone, create } from '@bufbuild/protobuf';
import type { ClusterLoadAssignment } from '../../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { LocalityLbEndpointsSchema, type LocalityLbEndpoints } from '../../../xds/gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import { LocalitySchema, type Locality as EnvoyLocality } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { LocalityLbSetting } from '../../config/kinds/destination-rule.js';
import type { Locality, ServiceInstance } from '../../registry/model.js';

/** istiod's mesh default: `localityLbSetting: {enabled: true}`. */
export const MESH_DEFAULT_LOCALITY_LB: LocalityLbSetting = { enabled: true };

/** istiod's GetLocalityLbSetting: the DestinationRule's (unless it disables it), else the mesh's. */
export function localityLbSettingFor(dr: LocalityLbSetting | undefined,
  mesh: LocalityLbSetting | undefined = MESH_DEFAULT_LOCALITY_LB): LocalityLbSetting | undefined {
  if (dr !== undefined) return dr.enabled === false ? undefined : dr;
  return mesh?.enabled === false ? undefined : mesh;
}

export const envoyLocality = (l: Locality | undefined): EnvoyLocality =>
  create(LocalitySchema, { region: l?.region ?? '', zone: l?.zone ?? '', subZone: l?.subzone ?? '' });

/** 0: same region/zone/subzone, 1: same region/zone, 2: same region, 3: elsewhere (istiod's LbPriority). */
export function lbPriority(proxy: EnvoyLocality, ep: EnvoyLocality | undefined): number {
  if (proxy.region !== (ep?.region ?? '')) return 3;
  if (proxy.zone !== (ep?.zone ?? '')) return 2;
  return proxy.subZone === (ep?.subZone ?? '') ? 0 : 1;
}

/** `region/zone/subzone` pattern with `*` segments (istiod's LocalityMatch). */
export function localityMatch(l: EnvoyLocality | undefined, pattern: string): boolean {
  const [region = '', zone = '', subzone = ''] = pattern.split('/');
  const r = region === '*' || (l?.region ?? '') === region;
  const z = zone === '*' || zone === '' || (l?.zone ?? '') === zone;
  const s = subzone === '*' || subzone === '' || (l?.subZone ?? '') === subzone;
  return r && z && s;
}

function applyWeights(proxy: EnvoyLocality, cla: ClusterLoadAssignment, distribute: NonNullable<LocalityLbSetting['distribute']>): void {
  const rule = distribute.find((d) => localityMatch(proxy, d.from ?? ''));
  if (rule === undefined) return;
  const unmatched = new Set(cla.endpoints.map((_, i) => i));
  for (const [pattern, weight] of Object.entries(rule.to ?? {})) {
    const matched = new Map<number, number>();
    let total = 0;
    cla.endpoints.forEach((e, i) => {
      if (!unmatched.has(i) || !localityMatch(e.locality, pattern)) return;
      unmatched.delete(i);
      const w = e.loadBalancingWeight ?? 1;
      matched.set(i, w);
      total += w;
    });
    for (const [i, w] of matched) {
      const dest = (w * weight) / total;
      if (dest > 0) cla.endpoints[i].loadBalancingWeight = Math.ceil(dest);
    }
  }
  // Localities no rule sends traffic to keep their entry but lose their endpoints.
  for (const i of unmatched) cla.endpoints[i].lbEndpoints = [];
}

function applyFailover(proxy: EnvoyLocality, cla: ClusterLoadAssignment, failover: NonNullable<LocalityLbSetting['failover']>): void {
  const byPriority = new Map<number, number[]>();
  cla.endpoints.forEach((e, i) => {
    let p = lbPriority(proxy, e.locality);
    if (p === 3) {
      const f = failover.find((x) => x.from === proxy.region);
      if (f !== undefined && (e.locality?.region ?? '') !== f.to) p = 4;
    }
    const value = e.priority * 5 + p;
    e.priority = value;
    byPriority.set(value, [...(byPriority.get(value) ?? []), i]);
  });
  // Envoy wants priorities 0..N without gaps.
  [...byPriority.keys()].sort((a, b) => a - b).forEach((p, rank) => {
    for (const i of byPriority.get(p) ?? []) cla.endpoints[i].priority = rank;
  });
}

/** Renumbers priorities 0..N without gaps, keeping their order. */
function compactPriorities(entries: LocalityLbEndpoints[]): void {
  const ranks = [...new Set(entries.map((e) => e.priority))].sort((a, b) => a - b);
  for (const e of entries) e.priority = ranks.indexOf(e.priority);
}

/**
 * istiod's applyFailoverPriorities: each locality entry is split by how many of the `label[=value]`
 * names the endpoint shares with the proxy, in order (all match: 0; first mismatch at j: n - j).
 */
function applyFailoverPriorities(cla: ClusterLoadAssignment, members: readonly ServiceInstance[][],
  proxyLabels: Record<string, string>, priorities: readonly string[]): void {
  if (Object.keys(proxyLabels).length === 0 || members.length === 0) return;
  const parsed = priorities.map((p) => {
    const [label, value] = p.split('=');
    return { label, value: p.includes('=') ? value : proxyLabels[label] };
  });
  const out: LocalityLbEndpoints[] = [];
  cla.endpoints.forEach((entry, i) => {
    const byPriority = new Map<number, number[]>();
    (members[i] ?? []).forEach((inst, k) => {
      const miss = parsed.findIndex((p) => p.value !== inst.labels[p.label]);
      const prio = miss < 0 ? 0 : parsed.length - miss;
      byPriority.set(prio, [...(byPriority.get(prio) ?? []), k]);
    });
    for (const prio of [...byPriority.keys()].sort((a, b) => a - b)) {
      const split = clone(LocalityLbEndpointsSchema, entry);
      split.lbEndpoints = (byPriority.get(prio) ?? []).map((k) => entry.lbEndpoints[k]);
      split.priority = prio;
      split.loadBalancingWeight = split.lbEndpoints.reduce((w, e) => w + (e.loadBalancingWeight ?? 0), 0);
      out.push(split);
    }
  });
  compactPriorities(out);
  cla.endpoints = out;
}

/**
 * istiod's ApplyLocalityLoadBalancer: distribute wins; failover only with outlier detection.
 * `members` are the instances behind each cla.endpoints entry (needed for failoverPriority).
 */
export function applyLocalityLoadBalancer(cla: ClusterLoadAssignment, proxyLocality: Locality | undefined,
  setting: LocalityLbSetting | undefined, enableFailover: boolean,
  members: readonly ServiceInstance[][] = [], proxyLabels: Record<string, string> = {}): void {
  if (setting === undefined) return;
  const proxy = envoyLocality(proxyLocality);
  if (setting.distribute !== undefined) {
    applyWeights(proxy, cla, setting.distribute);
  } else if (enableFailover) {
    if ((setting.failoverPriority ?? []).length > 0) {
      applyFailoverPriorities(cla, members, proxyLabels, setting.failoverPriority ?? []);
      if ((setting.failover ?? []).length > 0) applyFailover(proxy, cla, setting.failover ?? []);
    } else {
      applyFailover(proxy, cla, setting.failover ?? []);
    }
  }
}
