// The external authorization filter's extension descriptor (envoy.filters.http.ext_authz): an
// ExtAuthz typed_config (required) and an ExtAuthzPerRoute per route.
import type { ExtAuthz, ExtAuthzPerRoute } from '../../../../xds/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js';
import { fail } from '../../../router/errors.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { compileExtAuthzPerRoute } from './config.js';
import { EXT_AUTHZ_TYPE, ExtAuthzFilterFactory } from './ext-authz-filter.js';

export const EXT_AUTHZ_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.ext_authz',
  typeName: EXT_AUTHZ_TYPE,
  routeTypeName: 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
  make: (c, ctx) => {
    if (c === undefined) return fail(ctx.fieldPath, 'one of grpc_service or http_service is required');
    return new ExtAuthzFilterFactory(c as ExtAuthz, ctx);
  },
  compilePerRoute: (m, p) => compileExtAuthzPerRoute(m as ExtAuthzPerRoute, p),
};
