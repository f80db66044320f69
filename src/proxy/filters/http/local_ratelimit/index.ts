// Public face of the local rate limit filter (envoy.filters.http.local_ratelimit): the factory maker
// the HTTP filter registry calls, and a per-route config check for load-time validation.
import type { LocalRateLimit } from '../../../../xds/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { StatsStore } from '../../../stats/store.js';
import { compileLocalRateLimit } from './local-ratelimit-config.js';
import { LocalRateLimitFilterFactory, type LocalRateLimitFilterContext } from './local-ratelimit-filter.js';

export {
  LocalRateLimitFilterFactory, LocalRateLimitFilter, LOCAL_RATELIMIT_FILTER_NAME,
  type LocalRateLimitFilterContext, type LocalRateLimitFilterOptions,
} from './local-ratelimit-filter.js';
export { compileLocalRateLimit, type LocalRateLimitSettings } from './local-ratelimit-config.js';
export { TokenBucket } from './token-bucket.js';
export type { LocalRateLimitStats } from './local-ratelimit-stats.js';

/** Builds the local rate limit filter's factory from its unpacked typed_config (undefined = none). */
export function makeLocalRateLimitFilterFactory(config: unknown, ctx: LocalRateLimitFilterContext): LocalRateLimitFilterFactory {
  return new LocalRateLimitFilterFactory(config as LocalRateLimit | undefined, ctx);
}

/**
 * Checks a LocalRateLimit given as typed_per_filter_config (Envoy requires its token bucket);
 * throws a RouteConfigError naming `fieldPath`.
 */
export function checkLocalRateLimitPerRouteConfig(config: LocalRateLimit, fieldPath: string): void {
  compileLocalRateLimit(config, { store: new StatsStore() }, fieldPath, true);
}
