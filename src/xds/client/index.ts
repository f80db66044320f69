// The xDS client's public surface: an ADS client and the node it sends.
// The proxy (src/proxy/xds) applies what it receives.
export { AdsClient, type AdsClientOptions } from './ads-client.js';
export { JitteredBackoff, DEFAULT_BASE_MS, DEFAULT_MAX_MS } from './backoff.js';
export { clientNode, type NodeOverrides } from './node-info.js';
export type { DecodedResource, ResourceHandler, ClientLog } from './types.js';
