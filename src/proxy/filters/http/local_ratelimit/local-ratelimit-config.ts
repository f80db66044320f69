// One LocalRateLimit config (the filter's, or a route's typed_per_filter_config), compiled once:
// its token bucket, enabled/enforced fractions, reply status, header additions and stats.
import type { LocalRateLimit } from '../../../../xds/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { XRateLimitHeadersRFCVersion } from '../../../../xds/gen/envoy/extensions/common/ratelimit/v3/ratelimit_pb.js';
import type { StatsStore } from '../../../stats/store.js';
import { compileHeaderMutation, type HeaderMutation } from '../../../router/header-mutation.js';
import { fail } from '../../../router/errors.js';
import { durationMs } from '../../../util/duration.js';
import { RuntimeFraction } from '../fault/fractional-percent.js';
import { TokenBucket } from './token-bucket.js';
import { createLocalRateLimitStats, type LocalRateLimitStats } from './local-ratelimit-stats.js';

/** gRPC RESOURCE_EXHAUSTED, for rate_limited_as_resource_exhausted. */
const GRPC_RESOURCE_EXHAUSTED = 8;

/** A compiled LocalRateLimit. */
export interface LocalRateLimitSettings {
  readonly stats: LocalRateLimitStats;
  /** The token bucket; null when none is configured (nothing is limited). */
  readonly bucket: TokenBucket | null;
  /** max_tokens 0: every request is limited. */
  readonly alwaysDeny: boolean;
  /** filter_enabled (null = not enabled: the filter does nothing). */
  readonly enabled: RuntimeFraction | null;
  /** filter_enforced (null = not enforced: limited requests are only counted). */
  readonly enforced: RuntimeFraction | null;
  /** The reply status (status >= 400, else 429). */
  readonly status: number;
  readonly responseHeaders: HeaderMutation | null;
  readonly requestHeadersWhenNotEnforced: HeaderMutation | null;
  /** enable_x_ratelimit_headers: DRAFT_VERSION_03. */
  readonly xRateLimitHeaders: boolean;
  /** The grpc-status of the reply to a gRPC request (undefined = mapped from the HTTP status). */
  readonly grpcStatus: number | undefined;
}

/** Where a compiled config's stats live and what its buckets read the time from. */
export interface CompileEnv {
  readonly store: StatsStore;
  /** Monotonic ms; tests pass a fake clock. */
  readonly now?: () => number;
}

/**
 * Compiles a LocalRateLimit; `perRoute` applies Envoy's extra rule for typed_per_filter_config (a
 * token bucket is required). Throws a RouteConfigError naming the field under `path`.
 */
export function compileLocalRateLimit(proto: LocalRateLimit, env: CompileEnv, path: string, perRoute: boolean):
  LocalRateLimitSettings {
  if (proto.statPrefix === '') fail(`${path}.stat_prefix`, 'value length must be at least 1 characters');
  if (proto.descriptors.length > 0) fail(`${path}.descriptors`, 'local rate limit descriptors are not supported by Strait');
  if (proto.localRateLimitPerDownstreamConnection) {
    fail(`${path}.local_rate_limit_per_downstream_connection`, 'per-connection local rate limits are not supported by Strait');
  }
  if (proto.localClusterRateLimit !== undefined) {
    fail(`${path}.local_cluster_rate_limit`, 'local cluster rate limits are not supported by Strait');
  }
  const tb = proto.tokenBucket;
  if (perRoute && tb === undefined) fail(path, 'local rate limit token bucket must be set for per filter configs');
  let bucket: TokenBucket | null = null;
  let alwaysDeny = false;
  const fillMs = durationMs(tb?.fillInterval, 0);
  if (tb !== undefined && fillMs > 0) {
    if (tb.maxTokens === 0) {
      alwaysDeny = true;
    } else {
      if (fillMs < 50) fail(`${path}.token_bucket.fill_interval`, 'local rate limit token bucket fill timer must be >= 50ms');
      bucket = new TokenBucket(tb.maxTokens, tb.tokensPerFill ?? 1, fillMs, env.now);
    }
  }
  const code = proto.status?.code ?? 0;
  return {
    stats: createLocalRateLimitStats(env.store, proto.statPrefix),
    bucket,
    alwaysDeny,
    enabled: proto.filterEnabled === undefined ? null : RuntimeFraction.of(proto.filterEnabled),
    enforced: proto.filterEnforced === undefined ? null : RuntimeFraction.of(proto.filterEnforced),
    status: code >= 400 ? code : 429,
    responseHeaders: compileHeaderMutation(proto.responseHeadersToAdd, [], `${path}.response_headers_to_add`, ''),
    requestHeadersWhenNotEnforced: compileHeaderMutation(proto.requestHeadersToAddWhenNotEnforced, [],
      `${path}.request_headers_to_add_when_not_enforced`, ''),
    xRateLimitHeaders: proto.enableXRatelimitHeaders === XRateLimitHeadersRFCVersion.DRAFT_VERSION_03,
    grpcStatus: proto.rateLimitedAsResourceExhausted ? GRPC_RESOURCE_EXHAUSTED : undefined,
  };
}
