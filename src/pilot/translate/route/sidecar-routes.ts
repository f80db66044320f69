// A sidecar's outbound HTTP route configurations (istiod's buildSidecarOutboundHTTPRouteConfig): one
// per HTTP service port, a virtual host per service (the oldest VirtualService for it wins), catch-all.
import type { Route, VirtualHost } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { ConfigObject } from '../../config/object.js';
import type { VirtualServiceSpec } from '../../config/kinds/virtual-service.js';
import type { PushContext } from '../../model/push-context.js';
import type { RoutesView } from '../../model/proxy-views.js';
import type { Service } from '../../registry/model.js';
import type { Protocol } from '../../registry/protocol.js';
import { HTTP_PROXY_ROUTE, outboundClusterName, sidecarRouteName } from '../names.js';
import { hostsMatch } from './hosts.js';
import { resolveShortname } from './resolve.js';
import { catchAllVirtualHost, defaultRoute, routeConfiguration, sidecarDomains, sidecarVirtualHost } from './virtual-host.js';
import { addHashPolicy, virtualServiceRoutes } from './vs-routes.js';

/** Ports that get an HTTP route configuration: HTTP protocols and auto-detected (sniffed) ones. */
const HTTP_ROUTED: ReadonlySet<Protocol> = new Set<Protocol>(['HTTP', 'HTTP2', 'GRPC', 'GRPC-Web', 'Unsupported']);

export function isHttpRouted(p: Protocol): boolean {
  return HTTP_ROUTED.has(p);
}

/** The proxy's outbound traffic policy: its Sidecar's, else the mesh's. */
export function outboundMode(push: PushContext, proxy: RoutesView): 'ALLOW_ANY' | 'REGISTRY_ONLY' {
  return push.sidecarFor(proxy)?.spec.outboundTrafficPolicy?.mode ?? push.mesh.outboundTrafficPolicy.mode;
}

/** The HTTP port numbers of the services visible to the proxy, ascending. */
export function sidecarHttpPorts(push: PushContext, proxy: RoutesView): number[] {
  const ports = new Set<number>();
  for (const s of push.servicesFor(proxy)) for (const p of s.ports) if (isHttpRouted(p.protocol)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

/** Whether any host of the VS names (or wildcard-matches) a visible service with an HTTP port. */
function vsMatchesService(push: PushContext, proxy: RoutesView, vs: ConfigObject<VirtualServiceSpec>): boolean {
  const ns = vs.metadata.namespace ?? 'default';
  const hosts = (vs.spec.hosts ?? []).map((h) => resolveShortname(h, ns, push.mesh.trustDomain || 'cluster.local'));
  return push.servicesFor(proxy).some((s) => s.ports.some((p) => isHttpRouted(p.protocol)) && hosts.some((h) => hostsMatch(h, s.hostname)));
}

interface HostRoutes { host: string; service?: Service; routes: Route[] }

/** Per port: the hosts with routes, VirtualService hosts first (in VS order, a service claimed by its first VS), then defaults. */
function hostRoutesForPort(push: PushContext, proxy: RoutesView, vss: ConfigObject<VirtualServiceSpec>[], services: Service[], port: number): HostRoutes[] {
  const claimed = new Set<string>();
  const out: HostRoutes[] = [];
  for (const vs of vss) {
    const ns = vs.metadata.namespace ?? 'default';
    let routes: Route[] | undefined;
    const build = (): Route[] => (routes ??= virtualServiceRoutes(push, proxy, vs, { gateway: 'mesh', port }));
    for (const raw of vs.spec.hosts ?? []) {
      const h = resolveShortname(raw, ns, push.mesh.trustDomain || 'cluster.local');
      const matched = services.filter((s) => !claimed.has(s.hostname) && hostsMatch(h, s.hostname));
      for (const s of matched) {
        if (build().length === 0) continue;
        claimed.add(s.hostname);
        out.push({ host: s.hostname, service: s, routes: build() });
      }
      // A VS host that names no service gets its own virtual host only on port 80, and only when the VS
      // matches no HTTP service at all (istiod's port-80 rule for hosts outside the registry).
      if (port === 80 && !vsMatchesService(push, proxy, vs) && !h.includes('*') && !claimed.has(h) && build().length > 0) {
        claimed.add(h);
        out.push({ host: h, routes: build() });
      }
    }
  }
  for (const s of services) {
    if (claimed.has(s.hostname)) continue;
    const r = defaultRoute(outboundClusterName(port, '', s.hostname));
    addHashPolicy(push, proxy, r);
    out.push({ host: s.hostname, service: s, routes: [r] });
  }
  return out;
}

function domainsOf(h: HostRoutes, proxy: RoutesView): string[] {
  return h.service !== undefined ? sidecarDomains(h.host, h.service.namespace, proxy.namespace, h.service.addresses) : [h.host];
}

/** The route configuration `<port>` of a sidecar. */
export function sidecarRouteConfig(push: PushContext, proxy: RoutesView, port: number): RouteConfiguration {
  const services = push.servicesFor(proxy).filter((s) => s.ports.some((p) => p.port === port && isHttpRouted(p.protocol)));
  const vss = push.virtualServicesFor(proxy, ['mesh']);
  const hosts: VirtualHost[] = hostRoutesForPort(push, proxy, vss, services, port)
    .map((h) => sidecarVirtualHost(h.host, port, domainsOf(h, proxy), h.routes));
  return outboundRouteConfig(push, proxy, sidecarRouteName(port), hosts);
}

/** Max direct_response body istiod allows (1 MiB, Envoy's default is 4 KiB). */
export const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;

/**
 * istiod's outbound route configuration: domains deduplicated in build order (VirtualService hosts
 * first), then hosts sorted by name, the catch-all last; the port is ignored in host matching.
 */
function outboundRouteConfig(push: PushContext, proxy: RoutesView, name: string, hosts: VirtualHost[]): RouteConfiguration {
  const rc = routeConfiguration(name, hosts, { sidecar: true });
  rc.virtualHosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  rc.virtualHosts.push(catchAllVirtualHost(outboundMode(push, proxy)));
  rc.maxDirectResponseBodySizeBytes = MAX_DIRECT_RESPONSE_BODY_BYTES;
  return rc;
}

/**
 * `http_proxy` (RDSHttpProxy): every service on every HTTP port, each service domain also as
 * `host:port` (istiod adds ports when the listener port is 0), the port ignored in host matching.
 */
export function httpProxyRouteConfig(push: PushContext, proxy: RoutesView): RouteConfiguration {
  const vss = push.virtualServicesFor(proxy, ['mesh']);
  const all = push.servicesFor(proxy);
  const hosts: VirtualHost[] = [];
  for (const port of sidecarHttpPorts(push, proxy)) {
    const services = all.filter((s) => s.ports.some((p) => p.port === port && isHttpRouted(p.protocol)));
    for (const h of hostRoutesForPort(push, proxy, vss, services, port)) {
      const base = domainsOf(h, proxy);
      // Services get `host:port` forms; a VS host without a service only its name (istiod's SidecarIgnorePort).
      const domains = h.service !== undefined ? base.flatMap((d) => [d, `${d}:${port}`]) : base;
      hosts.push(sidecarVirtualHost(h.host, port, domains, h.routes));
    }
  }
  // istiod sets ignore_port_in_host_matching on http_proxy too, so the `host:port` domains never match.
  return outboundRouteConfig(push, proxy, HTTP_PROXY_ROUTE, hosts);
}
