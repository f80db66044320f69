// istiod's /debug/config_dump?proxyID=: the xDS a proxy is being sent, in Envoy's admin
// ConfigDump JSON shape (clusters, listeners, routes, endpoints), as istioctl reads it.
import { toJson } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { registry } from '../../xds/registry.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, type Snapshot, type TypeSnapshot } from '../../xds/server/index.js';
import { wholeRoutes } from '../xds/vhds.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

function resources(t: TypeSnapshot | undefined): { version: string; items: unknown[] } {
  if (!t) return { version: '', items: [] };
  return { version: t.version, items: [...t.resources.values()].map((r) => toJson(AnySchema, r.resource, { registry })) };
}

/** A ConfigDump-shaped JSON object of a snapshot. */
export function snapshotConfigDump(snap: Snapshot, lastUpdated: Date): unknown {
  const at = lastUpdated.toISOString();
  const c = resources(snap.get(CLUSTER_TYPE));
  const l = resources(snap.get(LISTENER_TYPE));
  // Routes sent over VHDS are shown whole, as the proxy holds them.
  const r = resources(wholeRoutes(snap.get(ROUTE_TYPE)));
  const e = resources(snap.get(ENDPOINT_TYPE));
  return {
    configs: [
      { '@type': `${ADMIN}ClustersConfigDump`, version_info: c.version,
        dynamic_active_clusters: c.items.map((cluster) => ({ version_info: c.version, cluster, last_updated: at })) },
      { '@type': `${ADMIN}ListenersConfigDump`, version_info: l.version,
        dynamic_listeners: l.items.map((listener) => ({
          name: (listener as { name?: string }).name ?? '',
          active_state: { version_info: l.version, listener, last_updated: at },
        })) },
      { '@type': `${ADMIN}RoutesConfigDump`,
        dynamic_route_configs: r.items.map((route_config) => ({ version_info: r.version, route_config, last_updated: at })) },
      { '@type': `${ADMIN}EndpointsConfigDump`,
        dynamic_endpoint_configs: e.items.map((endpoint_config) => ({ version_info: e.version, endpoint_config, last_updated: at })) },
    ],
  };
}
