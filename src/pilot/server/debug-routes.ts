// istiod's debug endpoints on the monitoring port: /debug/configz, /debug/registryz,
// /debug/syncz (what `strait proxy-status` reads) and /debug/config_dump?proxyID=.
import type { DebugRoute } from '../monitoring/server.js';
import { snapshotConfigDump } from './config-dump.js';
import type { DiscoveryServer } from './discovery-server.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../xds/server/index.js';

const SYNC_TYPES: [string, string][] = [['cluster', CLUSTER_TYPE], ['listener', LISTENER_TYPE], ['route', ROUTE_TYPE], ['endpoint', ENDPOINT_TYPE]];

/** The debug routes of a discovery server. */
export function debugRoutes(ds: DiscoveryServer): Record<string, DebugRoute> {
  return {
    '/debug/configz': () => ds.configs.map(({ source: _source, ...o }) => o),
    '/debug/registryz': () => ds.registry.services(),
    '/debug/endpointz': () => ds.registry.services().map((s) => ({ service: s.hostname, namespace: s.namespace, endpoints: ds.registry.instances(s.hostname, s.namespace) })),
    '/debug/connections': () => ds.connectedProxies().map((p) => ({ id: p.id, type: p.type, namespace: p.namespace, labels: p.labels })),
    '/debug/syncz': () => ds.xdsStatus().map((st) => {
      const row: Record<string, string> = { cluster_id: 'Kubernetes', proxy: st.nodeId, proxy_type: st.nodeId.split('~')[0] ?? '', istio_version: st.userAgent };
      for (const [label, url] of SYNC_TYPES) {
        const t = st.types.find((x) => x.typeUrl === url);
        row[`${label}_sent`] = t?.sentNonce ?? '';
        row[`${label}_acked`] = t?.ackedNonce ?? '';
        row[`${label}_state`] = t?.state ?? 'NOT SENT';
      }
      return row;
    }),
    '/debug/config_dump': (q) => {
      const id = q.get('proxyID') ?? '';
      const found = ds.snapshotOf(id) ?? ds.snapshotOf(ds.connectedProxies().find((p) => p.id.includes(`~${id}~`) || p.id.split('~')[2] === id)?.id ?? '');
      if (!found) throw new Error(`proxy not connected: ${id}`);
      return snapshotConfigDump(found.snapshot, found.at);
    },
  };
}
