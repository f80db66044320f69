// The pilot simulation harness: where a described call goes through one proxy's generated Envoy config
// (Istio's pilot/pkg/simulation), using the proxy's own filter-chain matcher and route table.
export type { Call, CallProtocol, ProxyConfig, RedirectResult, SimulationError, SimulationResult, WeightedClusterResult } from './types.js';
export { simulate, simulateMany } from './simulate.js';
export { describe, describeCall } from './describe.js';
export { DEFAULT_ADDRESS, VIRTUAL_OUTBOUND, matchListener } from './listener-match.js';
