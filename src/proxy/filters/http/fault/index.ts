// Public face of the fault filter (envoy.filters.http.fault): the factory maker the HTTP filter
// registry calls, and a per-route config check for load-time validation.
import type { HTTPFault } from '../../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { compileFaultSettings } from './fault-config.js';
import { FaultFilterFactory, type FaultFilterContext } from './fault-filter.js';

export { FaultFilterFactory, FaultFilter, FAULT_FILTER_NAME, type FaultFilterContext, type FaultFilterOptions } from './fault-filter.js';
export { FaultSettings, compileFaultSettings } from './fault-config.js';
export type { FaultStats } from './fault-stats.js';

/** Builds the fault filter's factory from its unpacked typed_config (undefined = none). */
export function makeFaultFilterFactory(config: unknown, ctx: FaultFilterContext): FaultFilterFactory {
  return new FaultFilterFactory(config as HTTPFault | undefined, ctx);
}

/** Checks an HTTPFault given as typed_per_filter_config; throws a RouteConfigError naming `fieldPath`. */
export function checkFaultPerRouteConfig(config: HTTPFault, fieldPath: string): void {
  compileFaultSettings(config, fieldPath);
}
