// The endpoint (EDS) translator's public surface: buildEndpoints, the LocalityLbEndpoints builder
// shared with DNS clusters, and the locality load-balancing helpers.
export { buildEndpoints, type EndpointBuildOptions } from './endpoints.js';
export { localityGroups, localityLbEndpoints, TRANSPORT_SOCKET_MATCH_KEY, type LocalityGroup } from './lb-endpoints.js';
export { applyLocalityLoadBalancer, lbPriority, localityLbSettingFor, localityMatch } from './locality.js';
