// The HTTP RBAC filter's extension descriptor (envoy.filters.http.rbac): an RBAC typed_config
// (none = allow all) and an RBACPerRoute per route.
import type { RBAC, RBACPerRoute } from '../../../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { onFirstUse } from '../../../util/on-first-use.js';

const config = onFirstUse<typeof import('./rbac-config.js')>(new URL('./rbac-config.js', import.meta.url));
const filter = onFirstUse<typeof import('./rbac-filter.js')>(new URL('./rbac-filter.js', import.meta.url));

export const RBAC_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.rbac',
  typeName: 'envoy.extensions.filters.http.rbac.v3.RBAC',
  routeTypeName: 'envoy.extensions.filters.http.rbac.v3.RBACPerRoute',
  make: (c, ctx) => new (filter().RbacFilterFactory)(c as RBAC | undefined, ctx),
  compilePerRoute: (m, p) => config().compileHttpRbacPerRoute(m as RBACPerRoute, p),
};
