// The HTTP RBAC filter's extension descriptor (envoy.filters.http.rbac): an RBAC typed_config
// (none = allow all) and an RBACPerRoute per route.
import type { RBAC, RBACPerRoute } from '../../../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { compileHttpRbacPerRoute } from './rbac-config.js';
import { RbacFilterFactory } from './rbac-filter.js';

export const RBAC_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.rbac',
  typeName: 'envoy.extensions.filters.http.rbac.v3.RBAC',
  routeTypeName: 'envoy.extensions.filters.http.rbac.v3.RBACPerRoute',
  make: (c, ctx) => new RbacFilterFactory(c as RBAC | undefined, ctx),
  compilePerRoute: (m, p) => compileHttpRbacPerRoute(m as RBACPerRoute, p),
};
