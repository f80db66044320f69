// The Istio configs of one push, grouped by kind and ordered as istiod orders them (creation
// time, then namespace and name), with the visibility rules (exportTo) and Sidecar egress scoping.
import type { ConfigObject } from '../config/object.js';
import type { SidecarSpec } from '../config/kinds/sidecar.js';
import { hostMatches } from '../registry/hostname.js';

/** istiod's config order: oldest first, then namespace, then name. */
export function configOrder(a: ConfigObject, b: ConfigObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  return ta.localeCompare(tb) || (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '')
    || a.metadata.name.localeCompare(b.metadata.name);
}

/** Configs by kind, each list in configOrder. */
export function indexByKind(configs: readonly ConfigObject[]): Map<string, ConfigObject[]> {
  const out = new Map<string, ConfigObject[]>();
  for (const c of configs) {
    let list = out.get(c.kind);
    if (!list) out.set(c.kind, (list = []));
    list.push(c);
  }
  for (const list of out.values()) list.sort(configOrder);
  return out;
}

/** exportTo of a config: unset = everywhere; `.` = its own namespace; `~` = nowhere. */
export function configVisibleTo(exportTo: readonly string[] | undefined, configNs: string, callerNs: string): boolean {
  if (exportTo === undefined || exportTo.length === 0) return true;
  if (exportTo.includes('~')) return false;
  return exportTo.some((e) => e === '*' || e === callerNs || (e === '.' && configNs === callerNs));
}

/** One parsed Sidecar egress host `namespace/dnsName`. */
export interface EgressHost { namespace: string; host: string }

/** Parses Sidecar egress hosts; a host without a slash means any namespace (Istio reads it as any-namespace/host). */
export function egressHosts(sidecar: ConfigObject<SidecarSpec>): EgressHost[] {
  const ns = sidecar.metadata.namespace ?? '';
  const out: EgressHost[] = [];
  for (const l of sidecar.spec.egress ?? []) {
    for (const h of l.hosts) {
      const slash = h.indexOf('/');
      const hostNs = slash < 0 ? '*' : h.slice(0, slash);
      out.push({ namespace: hostNs === '.' ? ns : hostNs, host: slash < 0 ? h : h.slice(slash + 1) });
    }
  }
  return out;
}

/** Whether a host of a namespace is within the egress hosts (`~` namespace selects nothing). */
export function egressAllows(hosts: readonly EgressHost[], namespace: string, hostname: string): boolean {
  return hosts.some((e) => e.namespace !== '~' && (e.namespace === '*' || e.namespace === namespace)
    && hostMatches(e.host, hostname));
}
