// Public face of the JWT authentication filter (envoy.filters.http.jwt_authn): its extension
// descriptor and the pieces tests use.
export { JWT_AUTHN_DESCRIPTOR } from './descriptor.js';

export { JwtAuthnFilterFactory, JwtAuthnFilter, JWT_AUTHN_FILTER_NAME } from './jwt-authn-filter.js';
export { JWT_STATUS, type JwtStatus } from './status.js';
