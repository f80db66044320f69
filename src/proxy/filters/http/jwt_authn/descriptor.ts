// The JWT authentication filter's extension descriptor (envoy.filters.http.jwt_authn): a
// JwtAuthentication typed_config (required) and a PerRouteConfig per route.
import type { JwtAuthentication } from '../../../../xds/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js';
import type { HttpFilterDescriptor } from '../descriptor.js';
import { onFirstUse } from '../../../util/on-first-use.js';

const filter = onFirstUse<typeof import('./jwt-authn-filter.js')>(new URL('./jwt-authn-filter.js', import.meta.url));

export const JWT_AUTHN_DESCRIPTOR: HttpFilterDescriptor = {
  name: 'envoy.filters.http.jwt_authn',
  typeName: 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
  routeTypeName: 'envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig',
  make: (c, ctx) => {
    if (c === undefined) throw new Error(`${ctx.fieldPath}: jwt_authn needs a JwtAuthentication typed_config`);
    return new (filter().JwtAuthnFilterFactory)(c as JwtAuthentication, ctx);
  },
};
