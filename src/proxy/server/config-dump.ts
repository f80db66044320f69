// /config_dump for a static bootstrap: Envoy's BootstrapConfigDump, ClustersConfigDump,
// ListenersConfigDump and RoutesConfigDump, as proto3 JSON with Envoy's field names.
import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { BootstrapSchema, type Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { ClusterSchema } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { HttpConnectionManager } from '../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { registry } from '../../xds/registry.js';
import type { ConfigDumpQuery } from '../admin/types.js';
import type { DynamicDump } from '../xds/config-dump.js';
import { secretsConfigDump } from '../secret/secrets-dump.js';

const PREFIX = 'type.googleapis.com/';

function json<D extends DescMessage>(schema: D, msg: MessageShape<D>): Record<string, unknown> {
  return toJson(schema, msg, { registry, useProtoFieldName: true }) as Record<string, unknown>;
}

function typed<D extends DescMessage>(schema: D, msg: MessageShape<D>): Record<string, unknown> {
  return { '@type': PREFIX + schema.typeName, ...json(schema, msg) };
}

/** Builds the whole dump; `resource` limits it to one list (e.g. static_clusters), as Envoy's ?resource=. */
export function buildConfigDump(bootstrap: Bootstrap, loadedAt: Date, query: ConfigDumpQuery,
  dynamic?: DynamicDump): unknown {
  const lastUpdated = loadedAt.toISOString();
  const clusters = bootstrap.staticResources?.clusters ?? [];
  const listeners = bootstrap.staticResources?.listeners ?? [];
  const routes: Record<string, unknown>[] = [];
  for (const l of listeners) {
    for (const chain of l.filterChains) {
      for (const f of chain.filters) {
        if (f.configType.case !== 'typedConfig') continue;
        const m = anyUnpack(f.configType.value, registry);
        if (m?.$typeName !== 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager') continue;
        const hcm = m as HttpConnectionManager;
        if (hcm.routeSpecifier.case === 'routeConfig') {
          routes.push({ route_config: typed(RouteConfigurationSchema, hcm.routeSpecifier.value), last_updated: lastUpdated });
        }
      }
    }
  }
  const configs: Record<string, unknown>[] = [
    { '@type': `${PREFIX}envoy.admin.v3.BootstrapConfigDump`, bootstrap: json(BootstrapSchema, bootstrap), last_updated: lastUpdated },
    { '@type': `${PREFIX}envoy.admin.v3.ClustersConfigDump`, ...dynamic?.clusters,
      static_clusters: clusters.map((c) => ({ cluster: typed(ClusterSchema, c), last_updated: lastUpdated })),
      ...(dynamic !== undefined ? { dynamic_active_clusters: dynamic.clusters['dynamic_active_clusters'],
        dynamic_warming_clusters: dynamic.clusters['dynamic_warming_clusters'] } : {}) },
    { '@type': `${PREFIX}envoy.admin.v3.ListenersConfigDump`, ...dynamic?.listeners,
      static_listeners: listeners.map((l) => ({ listener: typed(ListenerSchema, l), last_updated: lastUpdated })),
      ...(dynamic !== undefined ? { dynamic_listeners: dynamic.listeners['dynamic_listeners'] } : {}) },
    { '@type': `${PREFIX}envoy.admin.v3.ScopedRoutesConfigDump` },
    { '@type': `${PREFIX}envoy.admin.v3.RoutesConfigDump`, static_route_configs: routes, ...dynamic?.routes },
    secretsConfigDump(),
  ];
  if (query.includeEds && dynamic !== undefined) {
    configs.splice(2, 0, { '@type': `${PREFIX}envoy.admin.v3.EndpointsConfigDump`, ...dynamic.endpoints });
  }
  for (const c of configs) {
    for (const k of Object.keys(c)) {
      if (c[k] === undefined || (Array.isArray(c[k]) && (c[k] as unknown[]).length === 0)) delete c[k];
    }
  }
  if (query.resource !== undefined && query.resource !== '') {
    const items: unknown[] = [];
    for (const c of configs) {
      const list = c[query.resource];
      if (Array.isArray(list)) items.push(...list.map((x) => ({ '@type': c['@type'], ...(x as object) })));
    }
    return { configs: items };
  }
  return { configs };
}
