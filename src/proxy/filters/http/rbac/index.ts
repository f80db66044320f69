// Public face of the HTTP RBAC filter (envoy.filters.http.rbac): the factory maker the HTTP filter
// registry calls, and the per-route config check run at load.
import type { RBAC, RBACPerRoute } from '../../../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import type { HttpFilterContext } from '../registry.js';
import { compileHttpRbacPerRoute } from './rbac-config.js';
import { RbacFilterFactory } from './rbac-filter.js';

export { RbacFilterFactory, RbacFilter, RBAC_FILTER_NAME } from './rbac-filter.js';

/** Builds the RBAC filter's factory from its unpacked typed_config (undefined = no rules: allows all). */
export function makeRbacFilterFactory(config: unknown, ctx: HttpFilterContext): RbacFilterFactory {
  return new RbacFilterFactory(config as RBAC | undefined, ctx);
}

/** Checks an RBACPerRoute given as typed_per_filter_config; throws a RouteConfigError naming `fieldPath`. */
export function checkRbacPerRouteConfig(config: RBACPerRoute, fieldPath: string): void {
  compileHttpRbacPerRoute(config, fieldPath);
}
