// The local rate limit filter's extension descriptor (envoy.filters.http.local_ratelimit): a
// LocalRateLimit serves as both configs; per route, Envoy requires its token bucket.
import type { LocalRateLimit } from '../../../../xds/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { StatsStore } from '../../../stats/store.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { compileLocalRateLimit } from './local-ratelimit-config.js';
import { LocalRateLimitFilterFactory } from './local-ratelimit-filter.js';

export const LOCAL_RATELIMIT_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.local_ratelimit',
  typeName: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  routeTypeName: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  make: (c, ctx) => new LocalRateLimitFilterFactory(c as LocalRateLimit | undefined, ctx),
  checkPerRoute: (m, p) => { compileLocalRateLimit(m as LocalRateLimit, { store: new StatsStore() }, p, true); },
};
