// The compiled, immutable shape of a route table: virtual hosts, routes, their actions, and the
// result of matching one request. Built by route-table.ts; read by the router filter and the HCM.
import type {
  HedgePolicy, Route, RouteAction as RouteActionProto, RouteAction_RequestMirrorPolicy,
  RetryPolicy, VirtualHost, WeightedCluster_ClusterWeight,
} from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { Metadata } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { RequestHead } from '../http/headers.js';
import type { HeaderMutation } from './header-mutation.js';
import type { CompiledHashPolicy } from './hash-policy.js';
import type { RouteMatcher } from './route-match.js';
import type { RegexRewrite } from './string-match.js';
import type { CompiledCorsPolicy } from '../filters/http/cors/cors-policy.js';
import type { CompiledRetryPolicy } from '../filters/http/router/retry-state.js';
import type { MirrorPolicy } from '../filters/http/router/mirror-policy.js';
import type { RouteTracingOverride } from '../tracing/route-tracing.js';

/** Envoy's default route timeout (RouteAction.timeout unset). */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/** One typed_per_filter_config entry, compiled with the route table by its filter's descriptor. */
export interface RouteFilterConfig {
  /** FilterConfig.disabled: the filter does nothing on this route. */
  readonly disabled: boolean;
  /** The per-route config's message type ('' when the entry carries none). */
  readonly typeName: string;
  /** What the descriptor's compilePerRoute made of it (the message itself when the filter has none). */
  readonly config: unknown;
}

/** One level's typed_per_filter_config, compiled: by the key (a filter's configured or canonical name). */
export type PerFilterConfigs = ReadonlyMap<string, RouteFilterConfig>;

/** One cluster of a weighted_clusters action. */
export interface WeightedClusterEntry {
  /** The cluster name ('' when chosen by `clusterHeader`). */
  readonly name: string;
  /** Lower-case request header naming the cluster ('' when `name` is set). */
  readonly clusterHeader: string;
  readonly weight: number;
  /** host_rewrite_literal of this cluster ('' when unset). */
  readonly hostRewriteLiteral: string;
  readonly requestHeaders: HeaderMutation | null;
  readonly responseHeaders: HeaderMutation | null;
  readonly perFilterConfig: PerFilterConfigs;
  readonly metadataMatch: Metadata | undefined;
  readonly proto: WeightedCluster_ClusterWeight;
}

/** A compiled weighted_clusters. */
export interface WeightedClusters {
  readonly clusters: readonly WeightedClusterEntry[];
  readonly totalWeight: number;
  /** Header whose integer value replaces the random value ('' when unset). */
  readonly randomValueHeader: string;
}

/** RouteAction.max_stream_duration, in ms; undefined = unset. */
export interface RouteStreamDuration {
  /** Overrides the HCM's max_stream_duration; 0 disables it. */
  readonly maxStreamDurationMs: number | undefined;
  /** When set, a gRPC request's grpc-timeout bounds the stream instead, capped here (0 = no cap). */
  readonly grpcTimeoutHeaderMaxMs: number | undefined;
  /** Subtracted from that grpc-timeout. */
  readonly grpcTimeoutHeaderOffsetMs: number | undefined;
}

/** RouteAction: forward to a cluster. */
export interface ForwardAction {
  readonly kind: 'route';
  /** `cluster` ('' unless that specifier is used). */
  readonly cluster: string;
  /** `cluster_header`, lower-cased ('' unless used). */
  readonly clusterHeader: string;
  readonly weightedClusters: WeightedClusters | null;
  /** cluster_not_found_response_code as a status (503 default, 404, 500). */
  readonly clusterNotFoundResponseCode: number;
  /** Global timeout in ms (default 15 s); 0 disables it. */
  readonly timeoutMs: number;
  /** idle_timeout in ms; undefined = the HCM's stream_idle_timeout applies; 0 disables. */
  readonly idleTimeoutMs: number | undefined;
  /**
   * max_stream_duration, when set: Envoy's "new timeouts" (the router has no global timeout; the connection
   * manager bounds the stream instead). Null when unset.
   */
  readonly streamDuration: RouteStreamDuration | null;
  /** max_grpc_timeout (without max_stream_duration): gRPC requests time out by grpc-timeout, capped here (0 = no cap). */
  readonly maxGrpcTimeoutMs: number | undefined;
  /** grpc_timeout_offset: subtracted from grpc-timeout under max_grpc_timeout. */
  readonly grpcTimeoutOffsetMs: number | undefined;
  /** The route's retry_policy, else the virtual host's. */
  readonly retryPolicy: RetryPolicy | undefined;
  /** That retry policy, compiled with the route. */
  readonly retry: CompiledRetryPolicy;
  readonly hedgePolicy: HedgePolicy | undefined;
  /** hash_policy, compiled (null when the route has none). */
  readonly hash: CompiledHashPolicy | null;
  readonly requestMirrorPolicies: readonly RouteAction_RequestMirrorPolicy[];
  /** Those mirror policies, compiled with the route. */
  readonly mirrors: readonly MirrorPolicy[];
  readonly priority: 'default' | 'high';
  readonly prefixRewrite: string;
  readonly regexRewrite: RegexRewrite | null;
  readonly hostRewriteLiteral: string;
  /** host_rewrite_header, lower-cased ('' when unset). */
  readonly hostRewriteHeader: string;
  readonly hostRewritePathRegex: RegexRewrite | null;
  /** auto_host_rewrite: the router sets the authority to the chosen upstream host's hostname. */
  readonly autoHostRewrite: boolean;
  readonly appendXForwardedHost: boolean;
  /** upgrade_configs: lower-case upgrade type -> enabled. */
  readonly upgradeConfigs: ReadonlyMap<string, boolean>;
  readonly proto: RouteActionProto;
}

/** RedirectAction (or a virtual host's require_tls redirect). */
export interface RedirectAction {
  readonly kind: 'redirect';
  /** 301, 302, 303, 307 or 308. */
  readonly status: number;
  readonly schemeRedirect: string;
  readonly httpsRedirect: boolean;
  readonly hostRedirect: string;
  /** `:PORT`, or '' when port_redirect is unset. */
  readonly portRedirect: string;
  readonly pathRedirect: string;
  readonly pathRedirectHasQuery: boolean;
  readonly prefixRewrite: string;
  readonly regexRewrite: RegexRewrite | null;
  readonly stripQuery: boolean;
  /** The virtual host's require_tls redirect: `https://` + authority + path, nothing else applies. */
  readonly sslRedirect: boolean;
}

/** DirectResponseAction. */
export interface DirectResponseAction {
  readonly kind: 'direct_response';
  readonly status: number;
  /** The body (inline_string, inline_bytes, filename or environment_variable), or null. */
  readonly body: Buffer | null;
}

/** NonForwardingAction: for filters that answer themselves; the router has nothing to do. */
export interface NonForwardingAction {
  readonly kind: 'non_forwarding';
}

/** What a matched route does. */
export type RouteActionSpec = ForwardAction | RedirectAction | DirectResponseAction | NonForwardingAction;

/** A compiled envoy.config.route.v3.Route. */
export interface CompiledRoute {
  readonly name: string;
  readonly virtualHost: CompiledVirtualHost;
  readonly matcher: RouteMatcher;
  readonly action: RouteActionSpec;
  readonly requestHeaders: HeaderMutation | null;
  readonly responseHeaders: HeaderMutation | null;
  readonly perFilterConfig: PerFilterConfigs;
  /** The route action's deprecated `cors` field, compiled (null when unset or not a forwarding route). */
  readonly corsPolicy: CompiledCorsPolicy | null;
  readonly metadata: Metadata | undefined;
  /** The route's own tracing (sampling that replaces the HCM's, extra tags); null when it sets none. */
  readonly tracing: RouteTracingOverride | null;
  /** The route as configured (decorator, tracing, stat_prefix ...); '' name and a synthetic proto for SSL redirects. */
  readonly proto: Route;
}

/** A compiled envoy.config.route.v3.VirtualHost. */
export interface CompiledVirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly CompiledRoute[];
  readonly requireTls: 'NONE' | 'EXTERNAL_ONLY' | 'ALL';
  readonly retryPolicy: RetryPolicy | undefined;
  readonly hedgePolicy: HedgePolicy | undefined;
  readonly includeRequestAttemptCount: boolean;
  readonly includeAttemptCountInResponse: boolean;
  readonly includeIsTimeoutRetryHeader: boolean;
  readonly requestHeaders: HeaderMutation | null;
  readonly responseHeaders: HeaderMutation | null;
  readonly perFilterConfig: PerFilterConfigs;
  /** The route configuration's typed_per_filter_config (the least specific level). */
  readonly routeConfigPerFilterConfig: PerFilterConfigs;
  /** The virtual host's deprecated `cors` field, compiled (null when unset). */
  readonly corsPolicy: CompiledCorsPolicy | null;
  readonly proto: VirtualHost;
}

/** The outcome of routing one request: virtual host, route and (for forwarding routes) cluster. */
export interface RouteMatchResult {
  readonly virtualHost: CompiledVirtualHost;
  readonly route: CompiledRoute;
  /** The cluster to forward to; '' when cluster_header names none, or for redirects/direct responses. */
  readonly clusterName: string;
  /** The weighted cluster chosen, if the route has weighted_clusters. */
  readonly weightedCluster: WeightedClusterEntry | null;
  /** Request header mutations in evaluation order (weighted cluster, then route/vhost/config levels). */
  readonly requestMutations: readonly HeaderMutation[];
  /** Response header mutations in evaluation order. */
  readonly responseMutations: readonly HeaderMutation[];
}

/** A route table compiled from a RouteConfiguration; immutable, safe to share across streams. */
export interface CompiledRouteConfig {
  readonly name: string;
  readonly virtualHosts: readonly CompiledVirtualHost[];
  /** internal_only_headers, lower-cased: the HCM strips them from external requests. */
  readonly internalOnlyHeaders: readonly string[];
  readonly mostSpecificHeaderMutationsWins: boolean;
  readonly ignorePortInHostMatching: boolean;
  readonly ignorePathParametersInPathMatching: boolean;
  /** validate_clusters (undefined = Envoy's default: true for static route_config, false for RDS). */
  readonly validateClusters: boolean | undefined;
  /** Picks the virtual host and the first matching route; null means 404 (NR). */
  route(head: RequestHead, randomValue: number): RouteMatchResult | null;
  /** The virtual host serving an authority (as Envoy's findVirtualHost), or null. */
  findVirtualHost(authority: string): CompiledVirtualHost | null;
}
