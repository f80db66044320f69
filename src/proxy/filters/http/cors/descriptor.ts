// The CORS filter's extension descriptor (envoy.filters.http.cors): an empty Cors typed_config and
// a CorsPolicy per route.
import type { CorsPolicy } from '../../../../xds/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { onFirstUse } from '../../../util/on-first-use.js';

const policy = onFirstUse<typeof import('./cors-policy.js')>(new URL('./cors-policy.js', import.meta.url));
const filter = onFirstUse<typeof import('./cors-filter.js')>(new URL('./cors-filter.js', import.meta.url));

export const CORS_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.cors',
  typeName: 'envoy.extensions.filters.http.cors.v3.Cors',
  routeTypeName: 'envoy.extensions.filters.http.cors.v3.CorsPolicy',
  make: (_c, ctx) => new (filter().CorsFilterFactory)(ctx),
  compilePerRoute: (m, p) => policy().compileCorsPolicy(m as CorsPolicy, p),
};
