// The local rate limit filter's extension descriptor (envoy.filters.http.local_ratelimit): a
// LocalRateLimit serves as both configs; per route, Envoy requires its token bucket (owned by the route table).
import type { LocalRateLimit } from '../../../../xds/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { onFirstUse } from '../../../util/on-first-use.js';

const config = onFirstUse<typeof import('./local-ratelimit-config.js')>(new URL('./local-ratelimit-config.js', import.meta.url));
const filter = onFirstUse<typeof import('./local-ratelimit-filter.js')>(new URL('./local-ratelimit-filter.js', import.meta.url));

export const LOCAL_RATELIMIT_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.local_ratelimit',
  typeName: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  routeTypeName: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  make: (c, ctx) => new (filter().LocalRateLimitFilterFactory)(c as LocalRateLimit | undefined, ctx),
  // As Envoy's createRouteSpecificFilterConfigTyped (a FilterConfig of its own per route config, stats in
  // the server scope): each entry gets its own token bucket, made here once and owned by the route
  // table, so it lives exactly as long as that table. An RDS update brings a new table and fresh
  // buckets; a stream that matched the old table keeps drawing from the old table's bucket.
  compilePerRoute: (m, p, env) => config().compileLocalRateLimit(m as LocalRateLimit, { store: env.stats }, p, true),
};
