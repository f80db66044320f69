// istiod's debug endpoints on the monitoring port: /debug/configz, /debug/registryz,
// /debug/syncz (what `strait proxy-status` reads), /debug/push_status (what could not be pushed:
// `strait proxy-status` and `strait analyze` read it), /debug/config_dump?proxyID= and /debug, their index.
import { HtmlPage, type DebugRoute } from '../monitoring/server.js';
import { snapshotConfigDump } from './config-dump.js';
import type { DiscoveryServer } from './discovery-server.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../xds/server/index.js';

const SYNC_TYPES: [string, string][] = [['cluster', CLUSTER_TYPE], ['listener', LISTENER_TYPE], ['route', ROUTE_TYPE], ['endpoint', ENDPOINT_TYPE]];

/** What each debug route shows, for the /debug index (istiod's page of its debug handlers). */
const DESCRIPTIONS: Record<string, string> = {
  '/debug/configz': 'the configuration objects pilot holds',
  '/debug/registryz': 'the service registry',
  '/debug/endpointz': 'every service\'s endpoints',
  '/debug/connections': 'the connected proxies',
  '/debug/syncz': 'each proxy\'s xDS sync state (what `strait proxy-status` reads)',
  '/debug/push_status': 'what the last push could not build',
  '/debug/config_dump': 'a proxy\'s generated config (?proxyID=POD.NAMESPACE)',
};

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The /debug page (what `strait dashboard controlz` opens): the version and a link per debug endpoint, with /metrics. */
function debugIndex(version: string, paths: string[]): HtmlPage {
  const links = [...paths.map((p) => [p, DESCRIPTIONS[p] ?? '']), ['/metrics', 'pilot\'s metrics (Prometheus text)']]
    .map(([path, what]) => `<li><a href="${path}">${path}</a>: ${escapeHtml(what!)}</li>`).join('\n');
  return new HtmlPage(`<!DOCTYPE html>\n<html><head><title>strait pilot debug</title></head><body>\n<h1>strait pilot ${escapeHtml(version)}</h1>\n<ul>\n${links}\n</ul>\n</body></html>\n`);
}

/** The debug routes of a discovery server. */
export function debugRoutes(ds: DiscoveryServer, version: string): Record<string, DebugRoute> {
  const routes: Record<string, DebugRoute> = {
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
  routes['/debug'] = () => debugIndex(version, Object.keys(routes).filter((p) => p !== '/debug'));
  return routes;
}
