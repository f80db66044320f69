// ClusterInfo from a Cluster proto: type, timeouts, upstream protocol (from the cluster's own fields
// or typed_extension_protocol_options), LB settings, circuit breakers, stats and transport sockets, read once.
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { Any, Duration } from '@bufbuild/protobuf/wkt';
import type { Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { HttpProtocolOptions as UpstreamHttpOptions } from '../../xds/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import type { HttpProtocolOptions as CommonHttpOptions, Http2ProtocolOptions } from '../../xds/gen/envoy/config/core/v3/protocol_pb.js';
import { registry } from '../../xds/registry.js';
import type { PathError } from '../bootstrap/config-error.js';
import type { HttpProtocol } from '../http/headers.js';
import type { StatsStore } from '../stats/store.js';
import { ClusterStatsImpl, sanitizeStatName } from './cluster-stats.js';
import { lookupFamilyName, type DnsLookupFamily } from './dns-resolver.js';
import { createResourceManagers, type ResourceManagerImpl } from './resource-manager.js';
import { TransportSocketMatcher } from './transport-socket-matcher.js';
import { upstreamNetworkFilters } from './upstream-filters.js';
import type { MetadataExchangeConfig } from '../istio/tcp-metadata-exchange.js';
import type { ClusterInfo } from './types.js';

/** The key and type name of the upstream HTTP protocol options extension. */
const HTTP_OPTIONS_TYPE = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HTTP_OPTIONS_LEGACY_KEY = 'envoy.upstreams.http.http_protocol_options';

const DISCOVERY_TYPES = ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'] as const;
const LB_POLICIES: Record<number, string> = {
  0: 'ROUND_ROBIN', 1: 'LEAST_REQUEST', 2: 'RING_HASH', 3: 'RANDOM', 5: 'MAGLEV', 6: 'CLUSTER_PROVIDED',
  7: 'LOAD_BALANCING_POLICY_CONFIG',
};

/** Envoy's defaults. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;
const DEFAULT_DNS_REFRESH_MS = 5000;
const DEFAULT_MAX_CONCURRENT_STREAMS = 2_147_483_647;
const DEFAULT_PANIC_THRESHOLD = 50;
const DEFAULT_CHOICE_COUNT = 2;
/** Envoy's default overprovisioning factor, as a percentage. */
export const DEFAULT_OVERPROVISIONING_FACTOR = 140;

/** A proto Duration in milliseconds. */
export function durationMs(d: Duration | undefined, dflt: number): number {
  if (d === undefined) return dflt;
  return Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6);
}

/** The cluster's facts, plus the LB and DNS settings the cluster and its load balancer read. */
export class ClusterInfoImpl implements ClusterInfo {
  readonly name: string;
  readonly type: string;
  readonly connectTimeoutMs: number;
  /** upstream_bind_config.source_address: the local address upstream connections are made from. */
  readonly sourceAddress: string | undefined;
  /** upstream_connection_options.tcp_keepalive.keepalive_time in ms; undefined = no TCP keepalive. */
  readonly tcpKeepaliveMs: number | undefined;
  readonly protocol: HttpProtocol;
  readonly stats: ClusterStatsImpl;
  /** transport_socket and transport_socket_matches, compiled when the cluster is loaded. */
  readonly transportSockets: TransportSocketMatcher;
  /** `filters`: the upstream istio.metadata_exchange filter, the one upstream network filter Strait has. */
  readonly peerExchange: MetadataExchangeConfig | undefined;
  readonly resourceManagers: readonly [ResourceManagerImpl, ResourceManagerImpl];
  readonly maxRequestsPerConnection: number;
  readonly statName: string;
  readonly lbPolicy: string;
  readonly idleTimeoutMs: number;
  /** common_http_protocol_options.max_connection_duration; 0 when unset (no limit). */
  readonly maxConnectionDurationMs: number;
  readonly maxConcurrentStreams: number;
  /** http_protocol_options.enable_trailers (HTTP/1 upstreams): request trailers are sent, else dropped. */
  readonly http1EnableTrailers: boolean;
  readonly edsServiceName: string;
  /** common_lb_config.healthy_panic_threshold in percent (0 disables panic). */
  readonly panicThreshold: number;
  /** least_request_lb_config.choice_count. */
  readonly choiceCount: number;
  /** least_request_lb_config.active_request_bias. */
  readonly activeRequestBias: number;
  readonly dnsLookupFamily: DnsLookupFamily;
  readonly dnsRefreshRateMs: number;
  /** dns_failure_refresh_rate.base_interval, else the refresh rate. */
  readonly dnsFailureRefreshRateMs: number;

  constructor(readonly config: ClusterConfig, store: StatsStore, readonly addedViaApi: boolean, errors: PathError[]) {
    this.name = config.name;
    const dt = config.clusterDiscoveryType;
    if (dt.case === 'clusterType') {
      errors.push({ path: ['cluster_type'], message: `custom cluster type '${dt.value.name}' is not supported` });
      this.type = dt.value.name;
    } else {
      this.type = DISCOVERY_TYPES[dt.value ?? 0] ?? 'STATIC';
    }
    this.connectTimeoutMs = durationMs(config.connectTimeout, DEFAULT_CONNECT_TIMEOUT_MS);
    const source = config.upstreamBindConfig?.sourceAddress;
    this.sourceAddress = source === undefined || source.address === '' ? undefined : source.address;
    const keepalive = config.upstreamConnectionOptions?.tcpKeepalive;
    // Envoy's default keepalive_time is the kernel's (net.ipv4.tcp_keepalive_time): 0 leaves it to node/the OS.
    this.tcpKeepaliveMs = keepalive === undefined ? undefined : (keepalive.keepaliveTime ?? 0) * 1000;
    this.statName = sanitizeStatName(config.altStatName !== '' ? config.altStatName : config.name);
    this.lbPolicy = LB_POLICIES[config.lbPolicy] ?? 'ROUND_ROBIN';
    this.edsServiceName = config.edsClusterConfig?.serviceName ?? '';

    const typed = upstreamHttpOptions(config, errors);
    const common: CommonHttpOptions | undefined = typed?.commonHttpProtocolOptions ?? config.commonHttpProtocolOptions;
    const explicit = typed?.upstreamProtocolOptions.case === 'explicitHttpConfig'
      ? typed.upstreamProtocolOptions.value.protocolConfig : undefined;
    let h2: Http2ProtocolOptions | undefined = config.http2ProtocolOptions;
    if (explicit?.case === 'http2ProtocolOptions') h2 = explicit.value;
    else if (explicit?.case === 'httpProtocolOptions') h2 = undefined;
    else if (explicit?.case === 'http3ProtocolOptions') {
      errors.push({ path: ['typed_extension_protocol_options', { key: HTTP_OPTIONS_TYPE }, 'explicit_http_config',
        'http3_protocol_options'], message: 'HTTP/3 upstreams are not supported' });
    }
    this.protocol = h2 !== undefined ? 'HTTP/2' : 'HTTP/1.1';
    const h1 = explicit?.case === 'httpProtocolOptions' ? explicit.value : config.httpProtocolOptions;
    this.http1EnableTrailers = h1?.enableTrailers ?? false;
    this.maxConcurrentStreams = h2?.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS;
    this.maxRequestsPerConnection = common?.maxRequestsPerConnection ?? config.maxRequestsPerConnection ?? 0;
    this.idleTimeoutMs = durationMs(common?.idleTimeout, DEFAULT_IDLE_TIMEOUT_MS);
    this.maxConnectionDurationMs = durationMs(common?.maxConnectionDuration, 0);

    this.panicThreshold = config.commonLbConfig?.healthyPanicThreshold?.value ?? DEFAULT_PANIC_THRESHOLD;
    const lr = config.lbConfig.case === 'leastRequestLbConfig' ? config.lbConfig.value : undefined;
    this.choiceCount = lr?.choiceCount ?? DEFAULT_CHOICE_COUNT;
    this.activeRequestBias = lr?.activeRequestBias?.defaultValue ?? 1;

    this.dnsLookupFamily = lookupFamilyName(config.dnsLookupFamily);
    this.dnsRefreshRateMs = Math.max(1, durationMs(config.dnsRefreshRate, DEFAULT_DNS_REFRESH_MS));
    this.dnsFailureRefreshRateMs = Math.max(1, durationMs(config.dnsFailureRefreshRate?.baseInterval,
      this.dnsRefreshRateMs));

    const scope = store.scope(`cluster.${this.statName}`);
    this.stats = new ClusterStatsImpl(scope);
    this.resourceManagers = createResourceManagers(scope, config.circuitBreakers);
    this.transportSockets = TransportSocketMatcher.build(config, scope, errors);
    this.peerExchange = upstreamNetworkFilters(config.filters, errors);
  }
}

/** Unpacks typed_extension_protocol_options' HttpProtocolOptions, if present. */
function upstreamHttpOptions(config: ClusterConfig, errors: PathError[]): UpstreamHttpOptions | undefined {
  const opts = config.typedExtensionProtocolOptions;
  const key = opts[HTTP_OPTIONS_TYPE] !== undefined ? HTTP_OPTIONS_TYPE
    : opts[HTTP_OPTIONS_LEGACY_KEY] !== undefined ? HTTP_OPTIONS_LEGACY_KEY : undefined;
  if (key === undefined) return undefined;
  const any: Any = opts[key];
  const path = ['typed_extension_protocol_options', { key }];
  let msg;
  try {
    msg = anyUnpack(any, registry);
  } catch (e) {
    errors.push({ path, message: `cannot decode ${any.typeUrl}: ${(e as Error).message}` });
    return undefined;
  }
  if (msg === undefined || msg.$typeName !== HTTP_OPTIONS_TYPE) {
    errors.push({ path, message: `expected type.googleapis.com/${HTTP_OPTIONS_TYPE}, got ${any.typeUrl || 'nothing'}` });
    return undefined;
  }
  return msg as UpstreamHttpOptions;
}
