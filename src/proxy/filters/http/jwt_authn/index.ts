// Public face of the JWT authentication filter (envoy.filters.http.jwt_authn): the factory maker the
// HTTP filter registry calls.
import type { JwtAuthentication } from '../../../../xds/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js';
import type { HttpFilterContext } from '../registry.js';
import { JwtAuthnFilterFactory } from './jwt-authn-filter.js';

export { JwtAuthnFilterFactory, JwtAuthnFilter, JWT_AUTHN_FILTER_NAME } from './jwt-authn-filter.js';
export { JWT_STATUS, type JwtStatus } from './status.js';

/** The filter's typed_config type. */
export const JWT_AUTHN_TYPE = 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';

/** Builds the filter's factory from its unpacked typed_config. */
export function makeJwtAuthnFilterFactory(config: unknown, ctx: HttpFilterContext): JwtAuthnFilterFactory {
  if (config === undefined) throw new Error(`${ctx.fieldPath}: jwt_authn needs a JwtAuthentication typed_config`);
  return new JwtAuthnFilterFactory(config as JwtAuthentication, ctx);
}
