// The local rate limit filter's extension descriptor (envoy.filters.http.local_ratelimit): a
// LocalRateLimit serves as both configs; per route, Envoy requires its token bucket (owned by the route table).
import type { LocalRateLimit } from '../../../../xds/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { compileLocalRateLimit } from './local-ratelimit-config.js';
import { LocalRateLimitFilterFactory } from './local-ratelimit-filter.js';

export const LOCAL_RATELIMIT_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.local_ratelimit',
  typeName: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  routeTypeName: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  make: (c, ctx) => new LocalRateLimitFilterFactory(c as LocalRateLimit | undefined, ctx),
  // As Envoy's createRouteSpecificFilterConfigTyped (a FilterConfig of its own per route config, stats in
  // the server scope): each entry gets its own token bucket, made here once and owned by the route
  // table, so it lives exactly as long as that table. An RDS update brings a new table and fresh
  // buckets; a stream that matched the old table keeps drawing from the old table's bucket.
  compilePerRoute: (m, p, env) => compileLocalRateLimit(m as LocalRateLimit, { store: env.stats }, p, true),
};
