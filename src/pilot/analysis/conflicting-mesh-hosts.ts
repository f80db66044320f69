// IST0109: VirtualServices bound to the mesh gateway (no gateways, or `mesh` listed) that define
// the same host; every one of them is reported, naming all of them.
import type { ConfigObject } from '../config/object.js';
import { istioObjects, isWildcard, listAt, nsOf, resolveHost, type Analyzer } from './context.js';
import { conflictingMeshGatewayHosts, type AnalysisMessage } from './message.js';

function boundToMesh(vs: ConfigObject): boolean {
  const gws = listAt(vs.spec, 'gateways');
  return gws.length === 0 || gws.includes('mesh');
}

export const conflictingMeshHostsAnalyzer: Analyzer = {
  name: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
  description: 'Checks if multiple virtual services associated with the mesh gateway have conflicting hosts',
  analyze(ctx) {
    // keyed as Istio's scoped FQDN: exported to all namespaces ("*") / host FQDN
    const byHost = new Map<string, ConfigObject[]>();
    for (const vs of istioObjects(ctx, 'VirtualService')) {
      if (!boundToMesh(vs)) continue;
      const seen = new Set<string>();
      for (const h of listAt(vs.spec, 'hosts')) {
        if (typeof h !== 'string' || isWildcard(h)) continue;
        const key = `*/${resolveHost(h, nsOf(vs))}`;
        if (seen.has(key)) continue;
        seen.add(key);
        byHost.set(key, [...(byHost.get(key) ?? []), vs]);
      }
    }
    const out: AnalysisMessage[] = [];
    for (const [host, list] of byHost) {
      if (list.length < 2) continue;
      const names = list.map((v) => `${nsOf(v)}/${v.metadata.name}`).sort().join(',');
      for (const vs of list) out.push(conflictingMeshGatewayHosts(vs, vs.source?.lineOf('metadata.name'), names, host));
    }
    return out;
  },
};
