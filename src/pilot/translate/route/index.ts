// RDS for a proxy: a sidecar's per-port and http_proxy route configurations, or a gateway's
// per-server ones (route-configurations.ts); plus the per-HTTPRoute builders they are made of.
export { buildRouteConfigurations } from './route-configurations.js';
export { httpRoutes } from './http-route.js';
export { vsConfigPath } from './vs-routes.js';
