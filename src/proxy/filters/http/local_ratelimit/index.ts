// Public face of the local rate limit filter (envoy.filters.http.local_ratelimit): its extension
// descriptor and the pieces tests use.
export { LOCAL_RATELIMIT_DESCRIPTOR } from './descriptor.js';

export {
  LocalRateLimitFilterFactory, LocalRateLimitFilter, LOCAL_RATELIMIT_FILTER_NAME,
  type LocalRateLimitFilterContext, type LocalRateLimitFilterOptions,
} from './local-ratelimit-filter.js';
export { compileLocalRateLimit, type LocalRateLimitSettings } from './local-ratelimit-config.js';
export { TokenBucket } from './token-bucket.js';
export type { LocalRateLimitStats } from './local-ratelimit-stats.js';
