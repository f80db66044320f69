// istiod's debug endpoints on the monitoring port: /debug/configz, /debug/registryz,
// /debug/syncz (what `strait proxy-status` reads), /debug/push_status (what could not be pushed:
// `strait proxy-status` and `strait analyze` read it) and /debug/config_dump?proxyID=.
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
    '/debug/syncz': () => ds.syncStatus().map((st) => {
      const row: Record<string, string> = { cluster_id: 'Kubernetes', proxy: st.nodeId, proxy_type: st.nodeId.split('~')[0] ?? '', istio_version: st.userAgent };
      for (const [label, url] of SYNC_TYPES) {
        const t = st.types.find((x) => x.typeUrl === url);
        row[`${label}_sent`] = t?.sentNonce ?? '';
        row[`${label}_acked`] = t?.ackedNonce ?? '';
        row[`${label}_state`] = t?.state ?? 'NOT SENT';
        // Why the proxy is not at the latest push: pilot could not build it, or the proxy rejected it.
        const why = st.errors[url] ?? (t?.state === 'NACKED' ? `rejected: ${t.lastNack?.message ?? ''}` : undefined);
        if (why !== undefined) row[`${label}_error`] = why;
      }
      return row;
    }),
    '/debug/push_status': () => ({ version: ds.pushContext.version, ...ds.pushStatus.toJSON() }),
    '/debug/config_dump': (q) => {
      const id = q.get('proxyID') ?? '';
      const found = ds.snapshotOf(id) ?? ds.snapshotOf(ds.connectedProxies().find((p) => p.id.includes(`~${id}~`) || p.id.split('~')[2] === id)?.id ?? '');
      if (!found) throw new Error(`proxy not connected: ${id}`);
      return snapshotConfigDump(found.snapshot, found.at);
    },
  };
}
