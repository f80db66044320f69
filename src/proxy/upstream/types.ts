// The upstream contract the router codes against: clusters, hosts, load balancing, pools.
// Implementations live beside this file (cluster-manager.ts, pools, load balancers).
import type { Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Counter, Gauge, Histogram } from '../stats/store.js';
import type { HttpProtocol, RequestHead } from '../http/headers.js';
import type { RequestEncoder, ResponseDecoder } from '../http/codec/types.js';
import type { SslConnectionInfo } from '../tls/ssl-connection-info.js';

/** Envoy's health flags, in the order `/clusters` prints them. */
export const enum HealthFlag {
  FailedActiveHc = 1,
  FailedOutlierCheck = 2,
  FailedEdsHealth = 4,
  DegradedActiveHc = 8,
  DegradedEdsHealth = 16,
  PendingDynamicRemoval = 32,
  PendingActiveHc = 64,
  ExcludedViaImmediateHcFail = 128,
  ActiveHcTimeout = 256,
}

/** Per-host counters and gauges shown by `/clusters` (cx_active, rq_total ...). */
export interface HostStats {
  cx_active: number;
  cx_connect_fail: number;
  cx_total: number;
  rq_active: number;
  rq_error: number;
  rq_success: number;
  rq_timeout: number;
  rq_total: number;
}

/** What an upstream attempt ended with, for outlier detection (Envoy's Upstream::Outlier::Result). */
export const enum OutlierResult {
  /** The connection is up; the request above it may still fail (counted only with split errors). */
  LocalOriginConnectSuccess = 0,
  /** The connection is up and that ends the transaction (TCP proxying): a success. */
  LocalOriginConnectSuccessFinal = 1,
  /** The attempt timed out locally (connect, per-try or global timeout before headers). */
  LocalOriginTimeout = 2,
  /** The connection failed or the stream was reset before a response. */
  LocalOriginConnectFailed = 3,
  /** The upstream answered with a failure (non-HTTP protocols; HTTP reports the code instead). */
  ExtOriginRequestFailed = 4,
  /** The upstream answered with a success (non-HTTP protocols). */
  ExtOriginRequestSuccess = 5,
}

/**
 * Where the router reports a host's results (Envoy's Outlier::DetectorHostMonitor). Hosts of a
 * cluster without outlier_detection carry a monitor that ignores everything.
 */
export interface HostOutlierMonitor {
  /** The upstream's response status (5xx count as errors; 502/503/504 also as gateway errors). */
  putHttpResponseCode(code: number): void;
  /** A result with no response code of its own; `code` overrides the mapping (e.g. 504 for timeouts). */
  putResult(result: OutlierResult, code?: number): void;
  /** How long the response took (ms); kept for parity with Envoy, where it is unused too. */
  putResponseTime(ms: number): void;
}

/** Where the router reports `x-envoy-immediate-health-check-fail` (Envoy's HealthCheckHostMonitor). */
export interface HostHealthCheckMonitor {
  /** Excludes the host at once and fails its active health check (counted as passive_failure). */
  setUnhealthyImmediate(): void;
}

/** One upstream endpoint. */
export interface Host {
  /** IP address (resolved). */
  readonly address: string;
  readonly port: number;
  /** `ip:port` (IPv6 as `[ip]:port`), as `/clusters` and %UPSTREAM_HOST% print it. */
  readonly key: string;
  /** The endpoint's hostname (for auto_host_rewrite: the DNS name of a DNS cluster's endpoint). */
  readonly hostname: string;
  readonly weight: number;
  readonly priority: number;
  readonly locality: { region: string; zone: string; subZone: string };
  /** Bitwise OR of HealthFlag; 0 is healthy. */
  healthFlags: number;
  readonly stats: HostStats;
  /** Outlier-detection sink (a no-op one when the cluster has no outlier_detection). */
  readonly outlier?: HostOutlierMonitor;
  /** Active health checking's sink (a no-op one when the cluster has no health_checks). */
  readonly healthChecker?: HostHealthCheckMonitor;
}

/** Per-cluster stats resolved once (Envoy's `cluster.<name>.*`). */
export interface ClusterStats {
  upstream_rq_total: Counter;
  upstream_rq_completed: Counter;
  upstream_rq_active: Gauge;
  upstream_rq_pending_total: Counter;
  upstream_rq_pending_active: Gauge;
  upstream_rq_pending_overflow: Counter;
  upstream_rq_pending_failure_eject: Counter;
  upstream_rq_timeout: Counter;
  upstream_rq_per_try_timeout: Counter;
  upstream_rq_rx_reset: Counter;
  upstream_rq_tx_reset: Counter;
  upstream_rq_retry: Counter;
  upstream_rq_retry_success: Counter;
  upstream_rq_retry_limit_exceeded: Counter;
  upstream_rq_retry_overflow: Counter;
  upstream_rq_retry_backoff_exponential: Counter;
  upstream_rq_maintenance_mode: Counter;
  upstream_cx_total: Counter;
  upstream_cx_active: Gauge;
  upstream_cx_http1_total: Counter;
  upstream_cx_http2_total: Counter;
  upstream_cx_connect_fail: Counter;
  upstream_cx_connect_timeout: Counter;
  upstream_cx_overflow: Counter;
  upstream_cx_destroy: Counter;
  upstream_cx_destroy_local: Counter;
  upstream_cx_destroy_remote: Counter;
  upstream_cx_rx_bytes_total: Counter;
  upstream_cx_tx_bytes_total: Counter;
  upstream_cx_connect_ms: Histogram;
  upstream_cx_length_ms: Histogram;
  upstream_rq_time: Histogram;
  membership_healthy: Gauge;
  membership_total: Gauge;
  membership_degraded: Gauge;
  membership_change: Counter;
  lb_healthy_panic: Counter;
  upstream_cx_none_healthy: Counter;
  // ---- the rest of Envoy's cluster stats (created so /stats lists them as Envoy does) ----
  upstream_cx_destroy_with_active_rq: Counter;
  upstream_cx_destroy_local_with_active_rq: Counter;
  upstream_cx_destroy_remote_with_active_rq: Counter;
  upstream_cx_close_notify: Counter;
  upstream_cx_idle_timeout: Counter;
  upstream_cx_max_requests: Counter;
  upstream_cx_max_duration_reached: Counter;
  upstream_cx_protocol_error: Counter;
  upstream_cx_pool_overflow: Counter;
  upstream_cx_connect_attempts_exceeded: Counter;
  upstream_cx_rx_bytes_buffered: Gauge;
  upstream_cx_tx_bytes_buffered: Gauge;
  upstream_rq_cancelled: Counter;
  upstream_rq_per_try_idle_timeout: Counter;
  upstream_rq_max_duration_reached: Counter;
  upstream_rq_retry_backoff_ratelimited: Counter;
  upstream_flow_control_backed_up_total: Counter;
  upstream_flow_control_drained_total: Counter;
  upstream_flow_control_paused_reading_total: Counter;
  upstream_flow_control_resumed_reading_total: Counter;
  upstream_internal_redirect_failed_total: Counter;
  upstream_internal_redirect_succeeded_total: Counter;
  retry_or_shadow_abandoned: Counter;
  upstream_rq_per_cx: Histogram;
  update_attempt: Counter;
  update_success: Counter;
  update_failure: Counter;
  update_empty: Counter;
  update_no_rebuild: Counter;
  membership_excluded: Gauge;
  max_host_weight: Gauge;
  /** Counts the response code: `upstream_rq_<code>`, `upstream_rq_<N>xx` (and `retry.` ones when retried). */
  chargeResponse(status: number, retried: boolean): void;
}

/** One circuit-breaker budget (Envoy's ResourceManager entry). */
export interface Resource {
  readonly max: number;
  readonly count: number;
  canCreate(): boolean;
  inc(): void;
  dec(): void;
}

/** The circuit breakers of one priority. */
export interface ResourceManager {
  readonly connections: Resource;
  readonly pendingRequests: Resource;
  readonly requests: Resource;
  readonly retries: Resource;
  /** max_connection_pools (cx_pool_open); unlimited by default. */
  readonly connectionPools: Resource;
}

/** What the load balancer may use to pick a host (hash keys come with the resilience work). */
export interface LoadBalancerContext {
  readonly head: RequestHead;
  /** Hosts tried already on this request (retry_host_predicate previous_hosts). */
  readonly previousHosts?: readonly Host[];
  /** A hash computed from the route's hash_policy, if any. */
  readonly hashKey?: bigint;
  /** retry_host_predicate previous_hosts is configured: re-pick when the host is in previousHosts. */
  readonly avoidPreviousHosts?: boolean;
  /** host_selection_retry_max_attempts (default 1): how many re-picks avoidPreviousHosts may do. */
  readonly hostSelectionRetryMaxAttempts?: number;
  /**
   * The downstream connection's original destination (`ip:port`) when its local address was restored
   * ('' otherwise): ORIGINAL_DST's destination when no header names one.
   */
  readonly downstreamLocalAddress?: string;
}

/** Why a pool could not give a stream. */
export type PoolFailureReason = 'overflow' | 'local connection failure' | 'remote connection failure' | 'connection timeout';

/** The connection a pooled stream runs on (Envoy's upstream connection info), for access logs. */
export interface UpstreamConnectionInfo {
  /** Our end of the connection, `ip:port`. */
  readonly localAddress: string;
  /** Its TLS facts; undefined for plaintext. */
  readonly ssl: SslConnectionInfo | undefined;
}

/** Told when a pooled stream is ready or could not be made. */
export interface PoolCallbacks {
  onPoolReady(encoder: RequestEncoder, host: Host, protocol: HttpProtocol, connection: UpstreamConnectionInfo): void;
  /** transportFailure is e.g. "delayed connect error: Connection refused" or "". */
  onPoolFailure(reason: PoolFailureReason, transportFailure: string, host: Host): void;
}

/** A pending stream request; cancel() drops it from the pool's queue. */
export interface Cancellable {
  cancel(): void;
}

/** Connections to one host, with one protocol. */
export interface ConnPool {
  /** Asks for a stream; callbacks fire later (never synchronously). Null if pending queue overflowed. */
  newStream(decoder: ResponseDecoder, callbacks: PoolCallbacks): Cancellable | null;
  /** Closes idle connections and refuses new streams; active ones finish. */
  drain(): void;
}

/** Static facts of a cluster, from its config. */
export interface ClusterInfo {
  readonly name: string;
  readonly config: ClusterConfig;
  /** 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS' | 'ORIGINAL_DST'. */
  readonly type: string;
  readonly connectTimeoutMs: number;
  /** Upstream protocol: HTTP/2 when http2_protocol_options or explicit http2 options are set. */
  readonly protocol: HttpProtocol;
  readonly addedViaApi: boolean;
  readonly stats: ClusterStats;
  /** Circuit breakers per priority: [DEFAULT, HIGH]. */
  readonly resourceManagers: readonly [ResourceManager, ResourceManager];
  /** max_requests_per_connection (0 = unlimited). */
  readonly maxRequestsPerConnection: number;
  /** The name stats are emitted under: alt_stat_name if set, else the name (`:` made `_`). */
  readonly statName: string;
  /** The lb_policy name ('ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM' ...). */
  readonly lbPolicy: string;
  /** Upstream connection idle timeout (common_http_protocol_options.idle_timeout, default 1 h; 0 = none). */
  readonly idleTimeoutMs: number;
  /** HTTP/2 streams per connection (http2_protocol_options.max_concurrent_streams, default 2^31-1). */
  readonly maxConcurrentStreams: number;
  /** The EDS service name (eds_cluster_config.service_name), '' if none. */
  readonly edsServiceName: string;
}

/** Which success-rate monitor a figure belongs to: external (5xx) or local-origin (connect) errors. */
export type OutlierOrigin = 'external' | 'local';

/** What a cluster's outlier detector shows (Envoy's Outlier::Detector), for the admin. */
export interface OutlierDetector {
  /** Mean success rate of the hosts with enough requests in the last interval; -1 when not computed. */
  successRateAverage(origin: OutlierOrigin): number;
  /** The success-rate ejection threshold of the last interval; -1 when not computed. */
  successRateEjectionThreshold(origin: OutlierOrigin): number;
  /** A host's success rate (percent) in the last interval; -1 when not computed. */
  hostSuccessRate(host: Host, origin: OutlierOrigin): number;
}

/** A live cluster: its hosts by priority, a load balancer and connection pools. */
export interface Cluster {
  readonly info: ClusterInfo;
  /** The outlier detector (outlier_detection), if configured. */
  readonly outlierDetector?: OutlierDetector | null;
  /** Hosts per priority level (index = priority). */
  readonly hostsByPriority: readonly (readonly Host[])[];
  /** Picks a host, or null when none is healthy. */
  chooseHost(ctx: LoadBalancerContext): Host | null;
  /** The pool for a host (created on first use). */
  /** The host's pool for a routing priority (0 DEFAULT, 1 HIGH; DEFAULT when omitted). */
  connPool(host: Host, priority?: 0 | 1): ConnPool;
  /** Recomputes healthy sets, gauges and the load balancer after a host's healthFlags changed. */
  refreshHealth(): void;
  /** Stops timers, DNS refresh and pools. */
  destroy(): void;
}

/** All clusters of the proxy, by name. */
export interface ClusterManager {
  get(name: string): Cluster | undefined;
  clusters(): Iterable<Cluster>;
  /**
   * Adds or replaces a cluster (CDS); resolves once it is warm. False if the config is unchanged or
   * names a static cluster; rejects with a ClusterConfigError on a bad config.
   */
  addOrUpdateCluster(config: ClusterConfig, addedViaApi?: boolean): Promise<boolean>;
  /** Removes a CDS cluster; false if unknown or static. Its pools drain. */
  removeCluster(name: string): boolean;
}
