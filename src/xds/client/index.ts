// The xDS client's public surface: ADS clients (state of the world and delta) and the node they send.
// The proxy (src/proxy/xds) applies what they receive.
export { AdsClient, SDS_METHOD } from './ads-client.js';
export { DeltaAdsClient } from './delta-client.js';
export type { AdsClientOptions, XdsClient } from './stream-client.js';
export { JitteredBackoff, DEFAULT_BASE_MS, DEFAULT_MAX_MS } from './backoff.js';
export { clientNode, type NodeOverrides } from './node-info.js';
export type { DecodedResource, DeltaNames, ResourceHandler, ClientLog } from './types.js';
