// A sidecar's outbound route configurations: one per HTTP port (`80`, `9080`) with a virtual host
// per service on that port, and `http_proxy` (every HTTP service port, domains with and without
// the port) for the explicit HTTP proxy listener; VirtualServices bound to `mesh` fill them.
import type { RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { VirtualHost } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { ConfigObject } from '../../config/object.js';
import type { VirtualServiceSpec } from '../../config/kinds/virtual-service.js';
import type { ProxyNode } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { hostMatches, resolveShortname } from '../../registry/hostname.js';
import type { Service } from '../../registry/model.js';
import { isHttpProtocol } from '../../registry/protocol.js';
import { hashPolicyFor } from '../cluster/index.js';
import { HTTP_PROXY_ROUTE, outboundClusterName, sidecarRouteName } from '../names.js';
import { catchAllVirtualHost, defaultRoute, routeConfiguration, sidecarDomains, sidecarVirtualHost } from './virtual-host.js';
import { virtualServiceRoutes } from './vs-routes.js';

type VS = ConfigObject<VirtualServiceSpec>;

/**
 * The VirtualService for a service host, as a sidecar picks it: the first (oldest) one naming the
 * host exactly, else the one whose wildcard host matches most specifically.
 */
export function virtualServiceForHost(vss: readonly VS[], fqdn: string): VS | undefined {
  let best: { vs: VS; len: number } | undefined;
  for (const vs of vss) {
    const ns = vs.metadata.namespace ?? '';
    for (const h of vs.spec.hosts ?? []) {
      const host = resolveShortname(h, ns);
      if (host === fqdn) return vs;
      if (host.includes('*') && hostMatches(host, fqdn) && (best === undefined || host.length > best.len)) best = { vs, len: host.length };
    }
  }
  return best?.vs;
}

/** The sidecar's catch-all mode: its Sidecar's outboundTrafficPolicy, else the mesh's. */
function outboundMode(push: PushContext, proxy: ProxyNode): 'ALLOW_ANY' | 'REGISTRY_ONLY' {
  return push.sidecarFor(proxy)?.spec.outboundTrafficPolicy?.mode ?? push.mesh.outboundTrafficPolicy.mode;
}

/** The virtual host of one service port: its VirtualService's routes, or the default route. */
function serviceVirtualHost(push: PushContext, proxy: ProxyNode, svc: Service, port: number, vss: readonly VS[], domains: string[]): VirtualHost {
  const vs = virtualServiceForHost(vss, svc.hostname);
  let routes = vs !== undefined ? virtualServiceRoutes(push, proxy, vs, { port, gateway: 'mesh' }) : [];
  if (vs === undefined) {
    const r = defaultRoute(outboundClusterName(port, '', svc.hostname));
    const hash = hashPolicyFor(push, proxy, svc.hostname, port);
    if (hash.length > 0 && r.action.case === 'route') r.action.value.hashPolicy = hash;
    routes = [r];
  }
  return sidecarVirtualHost(svc.hostname, port, domains, routes);
}

const withPorts = (domains: string[], port: number): string[] => domains.flatMap((d) => [d, `${d}:${port}`]);

/** The HTTP service ports a sidecar sees, each with its services, by port number. */
function httpPorts(services: readonly Service[]): Map<number, Service[]> {
  const out = new Map<number, Service[]>();
  for (const svc of services) {
    for (const p of svc.ports) {
      if (!isHttpProtocol(p.protocol)) continue;
      let list = out.get(p.port);
      if (!list) out.set(p.port, (list = []));
      list.push(svc);
    }
  }
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
}

/** Every route configuration a sidecar's listeners name. */
export function sidecarRouteConfigurations(push: PushContext, proxy: ProxyNode): RouteConfiguration[] {
  const services = push.servicesFor(proxy);
  const vss = push.virtualServicesFor(proxy, ['mesh']);
  const mode = outboundMode(push, proxy);
  const ports = httpPorts(services);
  const out: RouteConfiguration[] = [];
  for (const [port, svcs] of ports) {
    const hosts = svcs.map((s) => serviceVirtualHost(push, proxy, s, port, vss, sidecarDomains(s.hostname, s.namespace, proxy.namespace, s.addresses)));
    out.push(routeConfiguration(sidecarRouteName(port), [...hosts, catchAllVirtualHost(mode)], { sidecar: true }));
  }
  if (proxy.httpProxyPort > 0) {
    // An explicit proxy's client names the port only when it is not 80 (curl, undici, Go): both forms match.
    const hosts: VirtualHost[] = [];
    for (const [port, svcs] of [...ports].sort((a, b) => Number(b[0] === 80) - Number(a[0] === 80))) {
      for (const s of svcs) {
        const domains = sidecarDomains(s.hostname, s.namespace, proxy.namespace, s.addresses);
        hosts.push(serviceVirtualHost(push, proxy, s, port, vss, port === 80 ? withPorts(domains, port) : domains.map((d) => `${d}:${port}`)));
      }
    }
    out.push(routeConfiguration(HTTP_PROXY_ROUTE, [...hosts, catchAllVirtualHost(mode)], { sidecar: false }));
  }
  return out;
}
