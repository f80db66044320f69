// Public face of the HTTP RBAC filter (envoy.filters.http.rbac): its extension descriptor and the
// pieces tests use.
export { RBAC_DESCRIPTOR } from './descriptor.js';

export { RbacFilterFactory, RbacFilter, RBAC_FILTER_NAME } from './rbac-filter.js';
