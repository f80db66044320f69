// The external authorization filter's extension descriptor (envoy.filters.http.ext_authz): an
// ExtAuthz typed_config (required) and an ExtAuthzPerRoute per route.
import type { ExtAuthz, ExtAuthzPerRoute } from '../../../../xds/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js';
import { fail } from '../../../router/errors.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { onFirstUse } from '../../../util/on-first-use.js';

const config = onFirstUse<typeof import('./config.js')>(new URL('./config.js', import.meta.url));
const filter = onFirstUse<typeof import('./ext-authz-filter.js')>(new URL('./ext-authz-filter.js', import.meta.url));

export const EXT_AUTHZ_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.ext_authz',
  typeName: 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  routeTypeName: 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
  make: (c, ctx) => {
    if (c === undefined) return fail(ctx.fieldPath, 'one of grpc_service or http_service is required');
    return new (filter().ExtAuthzFilterFactory)(c as ExtAuthz, ctx);
  },
  compilePerRoute: (m, p) => config().compileExtAuthzPerRoute(m as ExtAuthzPerRoute, p),
};
