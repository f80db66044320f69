// Test helper: xDS resources written as Envoy JSON (what a YAML config would say) and turned into
// messages, snapshots of them, and a strait bootstrap whose dynamic_resources point at an ADS port.
import { fromJson, type JsonValue, type Message } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../src/xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/xds/gen/envoy/config/route/v3/route_pb.js';
import { registry } from '../../src/xds/registry.js';
import { snapshotOf, type Snapshot } from '../../src/xds/server/index.js';

const ADS = { ads: {}, resource_api_version: 'V3' };

/** A listener on 127.0.0.1:0 whose HCM takes route `routeName` by RDS (over ADS unless told). */
export function listener(name: string, routeName: string, statPrefix = name,
  configSource: Record<string, unknown> = ADS): Message {
  return fromJson(ListenerSchema, {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{ filters: [{
      name: 'envoy.filters.network.http_connection_manager',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        stat_prefix: statPrefix,
        rds: { route_config_name: routeName, config_source: configSource },
        http_filters: [{ name: 'envoy.filters.http.router',
          typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
      },
    }] }],
  } as JsonValue, { registry });
}

/** An EDS cluster whose endpoints come over ADS. */
export function edsCluster(name: string): Message {
  return fromJson(ClusterSchema, {
    name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: ADS },
  } as JsonValue, { registry });
}

/** A STATIC cluster with one endpoint at `address`:80 (tests use a bad address to get a NACK). */
export function staticCluster(name: string, address: string): Message {
  return fromJson(ClusterSchema, {
    name, type: 'STATIC', connect_timeout: '1s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{
      endpoint: { address: { socket_address: { address, port_value: 80 } } },
    }] }] },
  } as JsonValue, { registry });
}

/** The assignment of `name`: loopback endpoints on `ports`. */
export function endpoints(name: string, ports: number[]): Message {
  return fromJson(ClusterLoadAssignmentSchema, {
    cluster_name: name,
    endpoints: [{ lb_endpoints: ports.map((p) => ({
      endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } },
    })) }],
  } as JsonValue, { registry });
}

/** A route table with one route (catch-all unless told); `action` is the RouteAction JSON, `extra` more fields. */
export function routeConfig(name: string, action: Record<string, unknown>, match: Record<string, unknown> = { prefix: '/' },
  extra: Record<string, unknown> = {}): Message {
  return fromJson(RouteConfigurationSchema, {
    name, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match, route: action }] }], ...extra,
  } as JsonValue, { registry });
}

/** Weighted clusters: [[name, weight], ...]. */
export function weighted(...clusters: [string, number][]): Record<string, unknown> {
  return { weighted_clusters: { clusters: clusters.map(([name, weight]) => ({ name, weight })) } };
}

/** A snapshot of the given resources, all under one version. */
export function snapshot(version: string, resources: Message[]): Snapshot {
  return snapshotOf(version, resources);
}

/** A bootstrap with only dynamic_resources (ADS, SotW or delta) and the static xDS cluster. */
export function dynamicBootstrapYaml(xdsPort: number, node: { id: string; cluster: string },
  apiType: 'GRPC' | 'DELTA_GRPC' = 'GRPC'): string {
  return JSON.stringify({
    node: { id: node.id, cluster: node.cluster, metadata: { role: 'test' } },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    dynamic_resources: {
      ads_config: {
        api_type: apiType, transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }],
      },
      lds_config: ADS,
      cds_config: ADS,
    },
    static_resources: {
      clusters: [{
        name: 'xds_cluster', type: 'STATIC', connect_timeout: '1s',
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
        load_assignment: { cluster_name: 'xds_cluster', endpoints: [{ lb_endpoints: [{
          endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: xdsPort } } },
        }] }] },
      }],
    },
  }, null, 2);
}
