// The sections of an Envoy v3 admin ConfigDump (proxy /config_dump) as istioctl reads them:
// bootstrap, clusters, listeners and route configurations, dynamic and static.
import { arr, obj, type Json } from './json-access.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

/** The config of the given admin type (e.g. `RoutesConfigDump`), or an empty object. */
export function section(dump: unknown, type: string): Json {
  return obj(arr(obj(dump)['configs']).find((c) => obj(c)['@type'] === ADMIN + type));
}

/** The bootstrap of BootstrapConfigDump. */
export function bootstrapOf(dump: unknown): Json {
  return obj(section(dump, 'BootstrapConfigDump')['bootstrap']);
}

/** Dynamic then static route configurations. */
export function routeConfigsOf(dump: unknown): Json[] {
  const s = section(dump, 'RoutesConfigDump');
  return [...arr(s['dynamic_route_configs']), ...arr(s['static_route_configs'])].map((r) => obj(obj(r)['route_config']))
    .filter((r) => Object.keys(r).length > 0);
}

/** Active dynamic then static clusters. */
export function clustersOf(dump: unknown): Json[] {
  const s = section(dump, 'ClustersConfigDump');
  return [...arr(s['dynamic_active_clusters']), ...arr(s['static_clusters'])].map((c) => obj(obj(c)['cluster']))
    .filter((c) => Object.keys(c).length > 0);
}

/** Active dynamic listeners then static listeners. */
export function listenersOf(dump: unknown): Json[] {
  const s = section(dump, 'ListenersConfigDump');
  const dynamic = arr(s['dynamic_listeners']).map((l) => obj(obj(obj(l)['active_state'])['listener']));
  const statics = arr(s['static_listeners']).map((l) => obj(obj(l)['listener']));
  return [...dynamic, ...statics].filter((l) => Object.keys(l).length > 0);
}

/** The cluster load assignments of EndpointsConfigDump (/config_dump?include_eds). */
export function endpointConfigsOf(dump: unknown): Json[] {
  const s = section(dump, 'EndpointsConfigDump');
  return [...arr(s['dynamic_endpoint_configs']), ...arr(s['static_endpoint_configs'])]
    .map((e) => obj(obj(e)['endpoint_config'])).filter((e) => Object.keys(e).length > 0);
}
