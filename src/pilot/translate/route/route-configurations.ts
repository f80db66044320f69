// istiod's RDS generation for one proxy: every route configuration its listeners reference (sidecar
// ports and http_proxy, or gateway servers), or just the ones an RDS request names.
import type { RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { PushContext } from '../../model/push-context.js';
import type { RoutesView } from '../../model/proxy-views.js';
import { HTTP_PROXY_ROUTE, sidecarRouteName } from '../names.js';
import { gatewayRouteConfig, gatewayServersByRoute } from './gateway-routes.js';
import { httpProxyRouteConfig, sidecarHttpPorts, sidecarRouteConfig } from './sidecar-routes.js';

/** The proxy's route configurations, in name order of generation; `names` limits them (unknown names are skipped). */
export function buildRouteConfigurations(push: PushContext, proxy: RoutesView, names?: readonly string[]): RouteConfiguration[] {
  const wanted = (n: string): boolean => names === undefined || names.includes(n);
  const out: RouteConfiguration[] = [];
  if (proxy.type === 'router') {
    for (const [name, servers] of gatewayServersByRoute(push, proxy)) if (wanted(name)) out.push(gatewayRouteConfig(push, proxy, name, servers));
    return out;
  }
  for (const port of sidecarHttpPorts(push, proxy)) {
    if (wanted(sidecarRouteName(port))) out.push(sidecarRouteConfig(push, proxy, port));
  }
  // A requested numeric name with no service port still gets its (catch-all only) configuration, as istiod answers it.
  for (const n of names ?? []) {
    if (/^[0-9]+$/.test(n) && !out.some((r) => r.name === n)) out.push(sidecarRouteConfig(push, proxy, Number(n)));
  }
  if (proxy.httpProxyPort > 0 && wanted(HTTP_PROXY_ROUTE)) out.push(httpProxyRouteConfig(push, proxy));
  return out;
}
