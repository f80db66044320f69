// Public face of the fault filter (envoy.filters.http.fault): its extension descriptor and the
// pieces tests use.
export { FAULT_DESCRIPTOR } from './descriptor.js';

export { FaultFilterFactory, FaultFilter, FAULT_FILTER_NAME, type FaultFilterContext, type FaultFilterOptions } from './fault-filter.js';
export { FaultSettings, compileFaultSettings } from './fault-config.js';
export type { FaultStats } from './fault-stats.js';
