// The endpoint (EDS) translator's public surface.
export { buildEndpoints, type EndpointBuildOptions } from './endpoints.js';
export { localityLbEndpoints, TRANSPORT_SOCKET_MATCH_KEY } from './lb-endpoints.js';
export { applyLocalityLoadBalancer, lbPriority, localityLbSettingFor, localityMatch } from './locality.js';
