// DestinationRule connectionPool -> cluster settings as istiod's applyConnectionPool: circuit
// breaker thresholds (Istio's defaults are all 2^32-1), connect timeout, TCP keepalive, HTTP options.
import { create } from '@bufbuild/protobuf';
import { UpstreamConnectionOptionsSchema } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import {
  CircuitBreakersSchema, CircuitBreakers_ThresholdsSchema, type CircuitBreakers_Thresholds,
} from '../../../xds/gen/envoy/config/cluster/v3/circuit_breaker_pb.js';
import { TcpKeepaliveSchema } from '../../../xds/gen/envoy/config/core/v3/address_pb.js';
import { HttpProtocolOptionsSchema as CoreHttpProtocolOptionsSchema } from '../../../xds/gen/envoy/config/core/v3/protocol_pb.js';
import type { ConnectionPoolSettings } from '../../config/kinds/destination-rule.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import { duration, durationMsOf, durationOfMs } from '../route/durations.js';
import { httpOptions, setUseDownstreamProtocol, type ClusterDraft } from './draft.js';

const MAX_UINT32 = 4294967295;

/** istiod's getDefaultCircuitBreakerThresholds. */
export function defaultThresholds(): CircuitBreakers_Thresholds {
  return create(CircuitBreakers_ThresholdsSchema, {
    maxRetries: MAX_UINT32, maxRequests: MAX_UINT32, maxConnections: MAX_UINT32, maxPendingRequests: MAX_UINT32,
    trackRemaining: true,
  });
}

const seconds = (d: string): number => Math.floor((durationMsOf(d) ?? 0) / 1000);

function applyKeepalive(d: ClusterDraft, ka: NonNullable<NonNullable<ConnectionPoolSettings['tcp']>['tcpKeepalive']> | undefined): void {
  if (ka === undefined) return;
  // An empty tcp_keepalive turns SO_KEEPALIVE on with the OS defaults.
  d.cluster.upstreamConnectionOptions ??= create(UpstreamConnectionOptionsSchema, { tcpKeepalive: create(TcpKeepaliveSchema) });
  const k = d.cluster.upstreamConnectionOptions.tcpKeepalive ??= create(TcpKeepaliveSchema);
  if ((ka.probes ?? 0) > 0) k.keepaliveProbes = ka.probes;
  if (ka.time !== undefined) k.keepaliveTime = seconds(ka.time);
  if (ka.interval !== undefined) k.keepaliveInterval = seconds(ka.interval);
}

/** Applies a connection pool (Istio applies an empty one when the DestinationRule has none). */
export function applyConnectionPool(d: ClusterDraft, mesh: MeshConfig, pool: ConnectionPoolSettings = {}): void {
  const t = defaultThresholds();
  let idleTimeout: string | undefined;
  let maxRequestsPerConnection = 0;
  let maxConcurrentStreams = 0;
  let maxConnectionDuration: string | undefined;
  const http = pool.http;
  if (http !== undefined) {
    if ((http.http2MaxRequests ?? 0) > 0) t.maxRequests = http.http2MaxRequests;
    if ((http.http1MaxPendingRequests ?? 0) > 0) t.maxPendingRequests = http.http1MaxPendingRequests;
    if ((http.maxRetries ?? 0) > 0) t.maxRetries = http.maxRetries;
    idleTimeout = http.idleTimeout;
    maxRequestsPerConnection = http.maxRequestsPerConnection ?? 0;
    maxConcurrentStreams = http.maxConcurrentStreams ?? 0;
  }
  d.cluster.connectTimeout = durationOfMs(mesh.connectTimeoutMs);
  const tcp = pool.tcp;
  if (tcp !== undefined) {
    if (tcp.connectTimeout !== undefined) d.cluster.connectTimeout = duration(tcp.connectTimeout);
    if ((tcp.maxConnections ?? 0) > 0) t.maxConnections = tcp.maxConnections;
    maxConnectionDuration = tcp.maxConnectionDuration;
    idleTimeout ??= tcp.idleTimeout;
  }
  applyKeepalive(d, tcp?.tcpKeepalive);
  d.cluster.circuitBreakers = create(CircuitBreakersSchema, { thresholds: [t] });

  if (maxConnectionDuration !== undefined || idleTimeout !== undefined || maxRequestsPerConnection > 0 || maxConcurrentStreams > 0) {
    const o = httpOptions(d);
    const common = o.commonHttpProtocolOptions ??= create(CoreHttpProtocolOptionsSchema);
    if (idleTimeout !== undefined) common.idleTimeout = duration(idleTimeout);
    if (maxRequestsPerConnection > 0) common.maxRequestsPerConnection = maxRequestsPerConnection;
    if (maxConnectionDuration !== undefined) common.maxConnectionDuration = duration(maxConnectionDuration);
    const u = o.upstreamProtocolOptions;
    if (maxConcurrentStreams > 0 && u.case === 'explicitHttpConfig' && u.value.protocolConfig.case === 'http2ProtocolOptions') {
      u.value.protocolConfig.value.maxConcurrentStreams = maxConcurrentStreams;
    }
  }
  if (http?.useClientProtocol === true) setUseDownstreamProtocol(d);
}
