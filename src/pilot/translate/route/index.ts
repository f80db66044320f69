// RDS for a proxy: a sidecar's per-port and http_proxy route configurations, or a gateway's
// per-server ones; plus the per-HTTPRoute builders they are made of.
import type { RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { ProxyNode } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { gatewayRouteConfigurations } from './gateway-routes.js';
import { sidecarRouteConfigurations } from './sidecar-routes.js';

export { httpRoutes } from './http-route.js';
export { virtualServiceForHost } from './sidecar-routes.js';
export { vsConfigPath } from './vs-routes.js';

/** Every route configuration the proxy's listeners reference. */
export function buildRouteConfigurations(push: PushContext, proxy: ProxyNode): RouteConfiguration[] {
  return proxy.type === 'router' ? gatewayRouteConfigurations(push, proxy) : sidecarRouteConfigurations(push, proxy);
}
