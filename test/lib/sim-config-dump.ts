// A proxy-style /config_dump (Envoy v3 ConfigDump JSON, proto field names, as Strait's proxy admin
// prints it) of the xDS our pilot generates for a simulated proxy, for the istioctl table tests.
import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { ProxyConfig } from '../../src/pilot/simulation/index.js';
import { ClusterSchema } from '../../src/xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/xds/gen/envoy/config/route/v3/route_pb.js';
import { registry } from '../../src/xds/registry.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';
const AT = '2026-01-01T00:00:00.000Z';

function typed<D extends DescMessage>(schema: D, msg: MessageShape<D>): Record<string, unknown> {
  // a JSON round trip, as the proxy's admin server sends it over HTTP
  const json = JSON.parse(JSON.stringify(toJson(schema, msg, { registry, useProtoFieldName: true }))) as Record<string, unknown>;
  return { '@type': `type.googleapis.com/${schema.typeName}`, ...json };
}

/** The ConfigDump a proxy holding `config` serves (with ?include_eds). */
export function simConfigDump(config: ProxyConfig): unknown {
  return {
    configs: [
      { '@type': `${ADMIN}BootstrapConfigDump`, bootstrap: { node: { id: 'sim' } }, last_updated: AT },
      { '@type': `${ADMIN}ClustersConfigDump`, version_info: 'sim',
        dynamic_active_clusters: config.clusters.map((c) => ({ version_info: 'sim', cluster: typed(ClusterSchema, c), last_updated: AT })) },
      { '@type': `${ADMIN}EndpointsConfigDump`,
        dynamic_endpoint_configs: (config.endpoints ?? []).map((e) => ({ version_info: 'sim', endpoint_config: typed(ClusterLoadAssignmentSchema, e), last_updated: AT })) },
      { '@type': `${ADMIN}ListenersConfigDump`, version_info: 'sim',
        dynamic_listeners: config.listeners.map((l) => ({ name: l.name, active_state: { version_info: 'sim', listener: typed(ListenerSchema, l), last_updated: AT } })) },
      { '@type': `${ADMIN}RoutesConfigDump`,
        dynamic_route_configs: config.routes.map((r) => ({ version_info: 'sim', route_config: typed(RouteConfigurationSchema, r), last_updated: AT })) },
    ],
  };
}
