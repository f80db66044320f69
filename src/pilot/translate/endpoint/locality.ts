// Locality load balancing on a ClusterLoadAssignment (istiod's loadbalancer package): `distribute` weights, or
// failover priorities by region/zone/subzone proximity (with outlier detection only). No failoverPriority labels.
import { create } from '@bufbuild/protobuf';
import type { ClusterLoadAssignment } from '../../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { LocalitySchema, type Locality as EnvoyLocality } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { LocalityLbSetting } from '../../config/kinds/destination-rule.js';
import type { Locality } from '../../registry/model.js';

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

/** istiod's ApplyLocalityLoadBalancer: distribute wins; failover only with outlier detection. */
export function applyLocalityLoadBalancer(cla: ClusterLoadAssignment, proxyLocality: Locality | undefined,
  setting: LocalityLbSetting | undefined, enableFailover: boolean): void {
  if (setting === undefined) return;
  const proxy = envoyLocality(proxyLocality);
  if (setting.distribute !== undefined) applyWeights(proxy, cla, setting.distribute);
  else if (enableFailover) applyFailover(proxy, cla, setting.failover ?? []);
}
