// A gateway's HTTP route configurations (istiod's buildGatewayHTTPRouteConfig): one per server route
// name (servers sharing it merged), a virtual host per bound VS host, 404 blackhole, httpsRedirect.
import { clone } from '@bufbuild/protobuf';
import { RouteSchema, VirtualHost_TlsRequirementType, type Route, type VirtualHost } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { ConfigObject } from '../../config/object.js';
import type { GatewayServer, GatewaySpec } from '../../config/kinds/gateway.js';
import type { PushContext } from '../../model/push-context.js';
import type { RoutesView } from '../../model/proxy-views.js';
import { isolated } from '../isolate.js';
import { gatewayRouteName } from '../names.js';
import { gatewayHostsFor } from './hosts.js';
import { resolveShortname } from './resolve.js';
import { blackholeVirtualHost, gatewayVirtualHost, routeConfiguration } from './virtual-host.js';
import { MAX_DIRECT_RESPONSE_BODY_BYTES } from './sidecar-routes.js';
import { isCatchAllRoute, virtualServiceRoutes } from './vs-routes.js';

/** A server of one of the proxy's gateways, with the port its listener really binds. */
export interface BoundServer {
  readonly gateway: ConfigObject<GatewaySpec>;
  readonly server: GatewayServer;
  /** The gateway Service's targetPort for the server port (80 -> 8080 on the stock ingress gateway). */
  readonly listenerPort: number;
}

/**
 * Istio's gateway port resolution: a server port that is a port of a Service selecting this gateway
 * workload binds that Service port's target port; otherwise the server port itself.
 */
export function resolveServerPort(push: PushContext, proxy: RoutesView, port: number): number {
  const target = proxy.ownPorts.find((i) => i.servicePort === port);
  return target !== undefined && target.port > 0 ? target.port : port;
}

/** The proxy's gateway servers grouped by route configuration name (HTTP and terminated HTTPS only). */
export function gatewayServersByRoute(push: PushContext, proxy: RoutesView): Map<string, BoundServer[]> {
  const out = new Map<string, BoundServer[]>();
  for (const gateway of push.gatewaysFor(proxy)) {
    const ns = gateway.metadata.namespace ?? 'default';
    const named = isolated(push, gateway, () => (gateway.spec.servers ?? []).map((server) => {
      const listenerPort = resolveServerPort(push, proxy, server.port.number);
      return { name: gatewayRouteName(server, gateway.metadata.name, ns, listenerPort), bound: { gateway, server, listenerPort } };
    }), () => []);
    for (const { name, bound } of named) {
      if (name === '') continue;
      const list = out.get(name) ?? [];
      list.push(bound);
      out.set(name, list);
    }
  }
  return out;
}

/** SortVHostRoutes: catch-all routes move to the end, others keep their order. */
export function catchAllLast(routes: readonly Route[]): Route[] {
  return [...routes.filter((r) => !isCatchAllRoute(r)), ...routes.filter(isCatchAllRoute)];
}

/** One gateway route configuration from its servers; VSs for the same host are merged (routes appended in VS order). */
export function gatewayRouteConfig(push: PushContext, proxy: RoutesView, name: string, servers: readonly BoundServer[]): RouteConfiguration {
  const byHost = new Map<string, VirtualHost>();
  // Virtual hosts are named with the Gateway's own server port (`*:80`), as istiod's buildGatewayRoutes,
  // while the route configuration is named with the port the listener binds (`http.8080`).
  for (const { gateway, server } of servers) {
    const gwNs = gateway.metadata.namespace ?? 'default';
    const key = `${gwNs}/${gateway.metadata.name}`;
    for (const vs of push.virtualServicesFor(proxy, [key])) {
      const vsNs = vs.metadata.namespace ?? 'default';
      const hosts = (vs.spec.hosts ?? []).flatMap((h) => gatewayHostsFor(resolveShortname(h, vsNs, push.mesh.trustDomain || 'cluster.local'), vsNs, server.hosts, gwNs));
      if (hosts.length === 0) continue;
      const routes = virtualServiceRoutes(push, proxy, vs, { gateway: key, port: server.port.number });
      if (routes.length === 0) continue;
      for (const h of new Set(hosts)) {
        let vh = byHost.get(h.toLowerCase());
        if (vh === undefined) {
          vh = gatewayVirtualHost(h, server.port.number, []);
          byHost.set(h.toLowerCase(), vh);
        }
        vh.routes.push(...routes.map((r) => clone(RouteSchema, r)));
        if (server.tls?.httpsRedirect === true) vh.requireTls = VirtualHost_TlsRequirementType.ALL;
      }
    }
    // An httpsRedirect server's hosts always get a vhost requiring TLS, even with no VirtualService.
    if (server.tls?.httpsRedirect === true) {
      for (const raw of server.hosts) {
        const h = raw.toLowerCase();
        const vh = byHost.get(h) ?? gatewayVirtualHost(h, server.port.number, []);
        vh.requireTls = VirtualHost_TlsRequirementType.ALL;
        byHost.set(h, vh);
      }
    }
  }
  const hosts = byHost.size > 0 ? [...byHost.values()] : [blackholeVirtualHost(servers[0]?.server.port.number ?? 0)];
  for (const vh of hosts) vh.routes = catchAllLast(vh.routes);
  hosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rc = routeConfiguration(name, hosts, { sidecar: false });
  // istiod ignores the port in host matching on gateways too (all but proxyless gRPC).
  rc.ignorePortInHostMatching = true;
  rc.maxDirectResponseBodySizeBytes = MAX_DIRECT_RESPONSE_BODY_BYTES;
  return rc;
}
