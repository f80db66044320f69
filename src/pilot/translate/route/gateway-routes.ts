// A gateway's route configurations: `http.<listen port>` for HTTP servers (merged across Gateways
// on that port) and `https.<port>.<name>.<gw>.<ns>` for terminated HTTPS, with a virtual host per
// host shared by a server and a VirtualService bound to its Gateway; 404 blackhole when none.
import {
  VirtualHost_TlsRequirementType, type VirtualHost,
} from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { ConfigObject } from '../../config/object.js';
import type { GatewayServer, GatewaySpec } from '../../config/kinds/gateway.js';
import type { ProxyNode } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { hostMatches, resolveShortname } from '../../registry/hostname.js';
import { gatewayListenPort } from '../listener/index.js';
import { gatewayRouteName } from '../names.js';
import { blackholeVirtualHost, gatewayVirtualHost, routeConfiguration } from './virtual-host.js';
import { virtualServiceRoutes } from './vs-routes.js';

type GW = ConfigObject<GatewaySpec>;

interface ServerRef { gw: GW; server: GatewayServer }

/** A server host `ns/host` (or `host` = any namespace) as namespace and host. */
function splitServerHost(h: string, gwNs: string): { ns: string; host: string } {
  const slash = h.indexOf('/');
  if (slash < 0) return { ns: '*', host: h };
  const ns = h.slice(0, slash);
  return { ns: ns === '.' ? gwNs : ns, host: h.slice(slash + 1) };
}

/** The host a server host and a VirtualService host have in common (the more specific), if any. */
function commonHost(serverHost: string, vsHost: string): string | undefined {
  if (hostMatches(serverHost, vsHost)) return vsHost;
  if (hostMatches(vsHost, serverHost)) return serverHost;
  return undefined;
}

/** The virtual hosts of one server: per common host, the routes of every bound VirtualService in order. */
function serverVirtualHosts(push: PushContext, proxy: ProxyNode, ref: ServerRef): VirtualHost[] {
  const gwNs = ref.gw.metadata.namespace ?? '';
  const gwKey = `${gwNs}/${ref.gw.metadata.name}`;
  const port = ref.server.port.number;
  const byHost = new Map<string, VirtualHost>();
  for (const vs of push.virtualServicesFor(proxy, [gwKey])) {
    const vsNs = vs.metadata.namespace ?? '';
    for (const sh of ref.server.hosts.map((h) => splitServerHost(h, gwNs))) {
      if (sh.ns !== '*' && sh.ns !== vsNs) continue;
      for (const h of vs.spec.hosts ?? []) {
        const host = commonHost(sh.host, h === '*' ? h : resolveShortname(h, vsNs));
        if (host === undefined) continue;
        const routes = virtualServiceRoutes(push, proxy, vs, { port, gateway: gwKey });
        if (routes.length === 0) continue;
        const vh = byHost.get(host);
        if (vh) vh.routes.push(...routes);
        else byHost.set(host, gatewayVirtualHost(host, port, routes));
      }
    }
  }
  const hosts = [...byHost.values()];
  if (ref.server.tls?.httpsRedirect === true) for (const vh of hosts) vh.requireTls = VirtualHost_TlsRequirementType.ALL;
  return hosts;
}

/** The route configuration name of a server as the gateway's listener names it ('' for non-HTTP servers). */
function routeNameOf(push: PushContext, proxy: ProxyNode, ref: ServerRef): string {
  const name = gatewayRouteName(ref.server, ref.gw.metadata.name, ref.gw.metadata.namespace ?? '');
  if (!name.startsWith('http.')) return name;
  const bind = ref.server.bind ? `.${ref.server.bind}` : '';
  return `http.${gatewayListenPort(push, proxy, ref.server)}${bind}`;
}

/** Every route configuration a gateway's listeners name. */
export function gatewayRouteConfigurations(push: PushContext, proxy: ProxyNode): RouteConfiguration[] {
  const groups = new Map<string, ServerRef[]>();
  for (const gw of push.gatewaysFor(proxy)) {
    for (const server of gw.spec.servers ?? []) {
      const name = routeNameOf(push, proxy, { gw, server });
      if (name === '') continue;
      let list = groups.get(name);
      if (!list) groups.set(name, (list = []));
      list.push({ gw, server });
    }
  }
  const out: RouteConfiguration[] = [];
  for (const [name, refs] of groups) {
    const hosts = refs.flatMap((ref) => serverVirtualHosts(push, proxy, ref));
    const rc = routeConfiguration(name, hosts.length > 0 ? hosts : [blackholeVirtualHost(refs[0].server.port.number)], { sidecar: false });
    out.push(rc);
  }
  return out;
}
