// Public face of the route table: compile a RouteConfiguration once, match requests against it,
// and apply the matched route's header mutations and rewrites. Everything else here is internal.
export { compileRouteConfig, RouteTable, type CompileOptions } from './route-table.js';
export { RouteConfigError } from './errors.js';
export {
  DEFAULT_ROUTE_TIMEOUT_MS,
  type CompiledRouteConfig, type CompiledVirtualHost, type CompiledRoute, type RouteMatchResult, type RouteActionSpec,
  type ForwardAction, type RedirectAction, type DirectResponseAction, type NonForwardingAction,
  type WeightedClusters, type WeightedClusterEntry,
} from './types.js';
export { DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES } from './direct-response.js';
export { pickWeightedCluster } from './route-action.js';
export { rewritePath, redirectLocation, rewrittenHost, hasPathRewrite, pathEnd } from './rewrite.js';
export {
  applyRequestHeaders, applyResponseHeaders, finalizeRequestHeaders, stripHostPort, type FinalizeOptions,
} from './finalize.js';
export type { HeaderFormatterContext } from './header-format.js';
export type { HeaderMutation } from './header-mutation.js';
export type { RouteMatcher, PathMatchKind } from './route-match.js';
