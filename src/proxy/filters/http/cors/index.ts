// Public face of the CORS filter (envoy.filters.http.cors): its extension descriptor and the
// pieces the route table and tests use.
export { CORS_DESCRIPTOR } from './descriptor.js';

export { CorsFilterFactory, CorsFilter, CORS_FILTER_NAME, type CorsFilterOptions } from './cors-filter.js';
export { CompiledCorsPolicy, compileCorsPolicy } from './cors-policy.js';
export { MergedCorsPolicy } from './merged-policy.js';
export { CORS_POLICY_TYPE } from './route-policies.js';
export type { CorsStats } from './cors-stats.js';
