// The CORS filter's extension descriptor (envoy.filters.http.cors): an empty Cors typed_config and
// a CorsPolicy per route.
import type { CorsPolicy } from '../../../../xds/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { compileCorsPolicy } from './cors-policy.js';
import { CorsFilterFactory } from './cors-filter.js';

export const CORS_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.cors',
  typeName: 'envoy.extensions.filters.http.cors.v3.Cors',
  routeTypeName: 'envoy.extensions.filters.http.cors.v3.CorsPolicy',
  make: (_c, ctx) => new CorsFilterFactory(ctx),
  compilePerRoute: (m, p) => compileCorsPolicy(m as CorsPolicy, p),
};
