// Small constructors for the Envoy listener pieces every builder shares: addresses, typed filters,
// the tls_inspector, the ADS config source of RDS and the tcp_proxy network filter.
import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { AddressSchema, type Address } from '../../../xds/gen/envoy/config/core/v3/address_pb.js';
import { ApiVersion, ConfigSourceSchema, type ConfigSource } from '../../../xds/gen/envoy/config/core/v3/config_source_pb.js';
import {
  FilterSchema, ListenerFilterSchema, type Filter, type ListenerFilter, type ListenerFilterChainMatchPredicate,
} from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { TlsInspectorSchema } from '../../../xds/gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import { TcpProxy_WeightedCluster_ClusterWeightSchema, TcpProxySchema } from '../../../xds/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { AccessLog } from '../../../xds/gen/envoy/config/accesslog/v3/accesslog_pb.js';

export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';
export const TLS_INSPECTOR_FILTER = 'envoy.filters.listener.tls_inspector';

/** A socket address `host:port`. */
export function socketAddress(host: string, port: number): Address {
  return create(AddressSchema, { address: { case: 'socketAddress', value: { address: host, portSpecifier: { case: 'portValue', value: port } } } });
}

/** A network filter with its typed_config packed. */
export function typedFilter<D extends DescMessage>(name: string, schema: D, msg: MessageShape<D>): Filter {
  return create(FilterSchema, { name, configType: { case: 'typedConfig', value: anyPack(schema, msg) } });
}

/** The tls_inspector listener filter, off for the connections `disabled` matches. */
export function tlsInspectorFilter(disabled?: ListenerFilterChainMatchPredicate): ListenerFilter {
  return create(ListenerFilterSchema, {
    name: TLS_INSPECTOR_FILTER, configType: { case: 'typedConfig', value: anyPack(TlsInspectorSchema, create(TlsInspectorSchema)) },
    filterDisabled: disabled,
  });
}

/** istiod's RDS config source: ADS, initial_fetch_timeout 0s, resource API V3. */
export function adsConfigSource(): ConfigSource {
  return create(ConfigSourceSchema, {
    configSourceSpecifier: { case: 'ads', value: {} }, initialFetchTimeout: { seconds: 0n, nanos: 0 }, resourceApiVersion: ApiVersion.V3,
  });
}

/** A weighted destination of a TCP route. */
export interface WeightedCluster { name: string; weight: number }

/** tcp_proxy to one cluster (stat_prefix = the cluster, as istiod) or to weighted clusters. */
export function tcpProxyFilter(target: string | WeightedCluster[], accessLog: AccessLog[] = []): Filter {
  if (typeof target === 'string' || target.length === 1) {
    const cluster = typeof target === 'string' ? target : target[0].name;
    return typedFilter(TCP_PROXY_FILTER, TcpProxySchema, create(TcpProxySchema, {
      statPrefix: cluster, clusterSpecifier: { case: 'cluster', value: cluster }, accessLog,
    }));
  }
  const clusters = target.map((c) => create(TcpProxy_WeightedCluster_ClusterWeightSchema, { name: c.name, weight: c.weight }));
  return typedFilter(TCP_PROXY_FILTER, TcpProxySchema, create(TcpProxySchema, {
    statPrefix: target[0].name, clusterSpecifier: { case: 'weightedClusters', value: { clusters } }, accessLog,
  }));
}
