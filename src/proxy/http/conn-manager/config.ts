// The compiled http_connection_manager config: everything a stream needs, built once per filter chain.
// Built from the proto by hcm-factory.ts; immutable afterwards (a route table swap replaces the provider's value).
import type { CodecType } from '../codec/index.js';
import type { HttpFilterFactory } from '../../filters/http/types.js';
import type { CompiledRouteConfig } from '../../router/index.js';
import type { ClusterManager } from '../../upstream/types.js';
import type { AccessLogger } from '../../accesslog/index.js';
import type { Counter } from '../../stats/store.js';
import type { HcmStats } from './stats.js';
import type { RequestHeaderPolicy } from './request-headers.js';
import type { HcmTracingConfig } from '../../tracing/hcm-tracing.js';
import type { StreamTimeoutConfig } from './stream-timeouts.js';
import type { XfccPolicy } from './xfcc.js';

/** Gives the current route table (static, or the latest from RDS). */
export interface RouteConfigProvider {
  current(): CompiledRouteConfig | null;
}

/** How the `server` response header is treated (HCM server_header_transformation). */
export type ServerHeaderTransformation = 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';

/** One http_connection_manager, compiled. */
export interface HcmConfig extends RequestHeaderPolicy, StreamTimeoutConfig {
  readonly statPrefix: string;
  readonly codecType: CodecType;
  readonly routes: RouteConfigProvider;
  readonly filters: readonly HttpFilterFactory[];
  readonly clusterManager: ClusterManager;
  readonly accessLoggers: readonly AccessLogger[];
  readonly stats: HcmStats;
  readonly serverName: string;
  readonly serverHeaderTransformation: ServerHeaderTransformation;
  readonly alwaysSetRequestIdInResponse: boolean;
  /** Connection idle timeout from accept, with no stream (common_http_protocol_options.idle_timeout), ms; default 1 h, 0 disables. */
  readonly idleTimeoutMs: number;
  /** common_http_protocol_options.max_connection_duration, ms; 0 (default) disables. */
  readonly maxConnectionDurationMs: number;
  /** drain_timeout: from an HTTP/2 shutdown notice to the final GOAWAY, ms; default 5 s. */
  readonly drainTimeoutMs: number;
  /** delayed_close_timeout, ms; default 1 s. */
  readonly delayedCloseTimeoutMs: number;
  readonly maxRequestHeadersKb: number;
  /** http2_protocol_options.max_concurrent_streams (Envoy's default 2147483647). */
  readonly http2MaxConcurrentStreams: number;
  /** common_http_protocol_options.max_headers_count (default 100). */
  readonly maxRequestHeadersCount: number;
  /** Envoy's `http2.header_overflow` (a root-scope codec stat). */
  readonly http2HeaderOverflow: Counter;
  /** http_protocol_options.enable_trailers: send trailers to HTTP/1 clients (chunked). */
  readonly http1EnableTrailers: boolean;
  /** http_protocol_options.accept_http_10: serve HTTP/1.0 (otherwise the HTTP/1 codec answers 426). */
  readonly acceptHttp10: boolean;
  /** normalize_path: RFC 3986 normalization of the path before routing. */
  readonly normalizePath: boolean;
  /** merge_slashes: runs of '/' in the path become one before routing. */
  readonly mergeSlashes: boolean;
  /** forward_client_cert_details and set_current_client_cert_details. */
  readonly xfcc: XfccPolicy;
  /** The HCM's `tracing`, compiled; undefined when the HCM has none (no tracing work per request). */
  readonly tracing?: HcmTracingConfig;
}
