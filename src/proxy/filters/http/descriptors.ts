// The one list of HTTP filters Strait implements; the filter registry, the bootstrap extension
// check and the per-route config checks all read it. Add a filter's descriptor here when it lands.
import type { HttpFilterDescriptor } from './descriptor.js';
import { ROUTER_DESCRIPTOR } from './router/descriptor.js';
import { FAULT_DESCRIPTOR } from './fault/descriptor.js';
import { LOCAL_RATELIMIT_DESCRIPTOR } from './local_ratelimit/descriptor.js';
import { CORS_DESCRIPTOR } from './cors/descriptor.js';
import { JWT_AUTHN_DESCRIPTOR } from './jwt_authn/descriptor.js';
import { RBAC_DESCRIPTOR } from './rbac/descriptor.js';
import { EXT_AUTHZ_DESCRIPTOR } from './ext_authz/descriptor.js';
import { ISTIO_HTTP_FILTER_DESCRIPTORS } from '../../istio/http-filter-descriptors.js';

export const HTTP_FILTER_DESCRIPTORS: readonly HttpFilterDescriptor[] = [
  ROUTER_DESCRIPTOR, FAULT_DESCRIPTOR, LOCAL_RATELIMIT_DESCRIPTOR, CORS_DESCRIPTOR, JWT_AUTHN_DESCRIPTOR,
  RBAC_DESCRIPTOR, EXT_AUTHZ_DESCRIPTOR, ...ISTIO_HTTP_FILTER_DESCRIPTORS,
];

/** The descriptor whose per-route config type is `typeName` (Envoy finds it by type). */
export function findPerRouteDescriptor(typeName: string): HttpFilterDescriptor | undefined {
  return HTTP_FILTER_DESCRIPTORS.find((d) => d.routeTypeName === typeName);
}
