// The clusters every proxy gets regardless of services: BlackHoleCluster (STATIC, no endpoints),
// PassthroughCluster (ORIGINAL_DST, downstream protocol, 5 min idle) and InboundPassthroughCluster.
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy, type Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { BindConfigSchema } from '../../../xds/gen/envoy/config/core/v3/address_pb.js';
import { HttpProtocolOptionsSchema as CoreHttpProtocolOptionsSchema } from '../../../xds/gen/envoy/config/core/v3/protocol_pb.js';
import { HttpProtocolOptionsSchema } from '../../../xds/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import { socketAddress } from '../endpoint/lb-endpoints.js';
import { durationOfMs } from '../route/durations.js';
import { applyConnectionPool } from './connection-pool.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, setUseDownstreamProtocol, type ClusterDraft } from './draft.js';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER } from './names.js';

/** Source address of inbound passthrough connections (Istio's InboundPassthroughBindIpv4). */
export const INBOUND_PASSTHROUGH_BIND = '127.0.0.6';

export function blackHoleCluster(mesh: MeshConfig): Cluster {
  return create(ClusterSchema, {
    name: BLACKHOLE_CLUSTER, clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: durationOfMs(mesh.connectTimeoutMs), lbPolicy: Cluster_LbPolicy.ROUND_ROBIN, altStatName: `${BLACKHOLE_CLUSTER};`,
  });
}

export function passthroughCluster(mesh: MeshConfig, name = PASSTHROUGH_CLUSTER): Cluster {
  const c = create(ClusterSchema, {
    name, clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST },
    connectTimeout: durationOfMs(mesh.connectTimeoutMs), lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED, altStatName: `${PASSTHROUGH_CLUSTER};`,
  });
  const opts: ClusterDraft = { cluster: c, http: create(HttpProtocolOptionsSchema, { commonHttpProtocolOptions: create(CoreHttpProtocolOptionsSchema, { idleTimeout: durationOfMs(300_000) }) }) };
  setUseDownstreamProtocol(opts);
  c.typedExtensionProtocolOptions = { [HTTP_PROTOCOL_OPTIONS_KEY]: anyPack(HttpProtocolOptionsSchema, opts.http!) };
  // Circuit breakers and connect timeout only; the packed options above stay as they are.
  applyConnectionPool({ cluster: c }, mesh, {});
  return c;
}

export function inboundPassthroughCluster(mesh: MeshConfig): Cluster {
  const c = passthroughCluster(mesh, INBOUND_PASSTHROUGH_CLUSTER);
  const addr = socketAddress(INBOUND_PASSTHROUGH_BIND, 0);
  c.upstreamBindConfig = create(BindConfigSchema, { sourceAddress: addr.address.case === 'socketAddress' ? addr.address.value : undefined });
  return c;
}
