// The admin API's public surface: the server, its context contract and the renderers
// other entry points reuse (e.g. a Prometheus-only listener on 15090).
export { startAdminServer, type AdminServer } from './server.js';
export { handleAdminRequest, adminHelp, type AdminRequest } from './handlers.js';
export { NamerCache, type AdminReply } from './stats-handlers.js';
export { healthFlagsToString, renderClustersJson, renderClustersText } from './clusters.js';
export * from './types.js';
