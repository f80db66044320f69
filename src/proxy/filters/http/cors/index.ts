// Public face of the CORS filter (envoy.filters.http.cors): the factory maker the HTTP filter
// registry calls, and the CorsPolicy check that load-time validation runs on per-route configs.
import type { CorsPolicy } from '../../../../xds/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import type { HttpFilterContext } from '../registry.js';
import { compileCorsPolicy } from './cors-policy.js';
import { CorsFilterFactory } from './cors-filter.js';

export { CorsFilterFactory, CorsFilter, CORS_FILTER_NAME, type CorsFilterOptions } from './cors-filter.js';
export { CompiledCorsPolicy, compileCorsPolicy } from './cors-policy.js';
export { MergedCorsPolicy } from './merged-policy.js';
export { CORS_POLICY_TYPE } from './route-policies.js';
export type { CorsStats } from './cors-stats.js';

/** Builds the CORS filter's factory; its typed_config (an empty Cors message) has no settings. */
export function makeCorsFilterFactory(_config: unknown, ctx: HttpFilterContext): CorsFilterFactory {
  return new CorsFilterFactory(ctx);
}

/** Checks a CorsPolicy given as typed_per_filter_config; throws a RouteConfigError naming `fieldPath`. */
export function checkCorsPolicy(config: CorsPolicy, fieldPath: string): void {
  compileCorsPolicy(config, fieldPath);
}
