// A router proxy's listeners, as istiod's MergeGateways + buildGatewayListeners: one `0.0.0.0_<port>`
// listener per listen port, with HTTP, terminated-TLS (SNI), TLS passthrough and TCP filter chains.
// A Gateway server or VirtualService whose chains cannot be built is left out (recorded), not the listener.
import { create } from '@bufbuild/protobuf';
import { TrafficDirection } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import {
  FilterChainSchema, type FilterChain,
} from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { ListenerSchema, type Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { TlsInspectorSchema } from '../../../xds/gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import { anyPack } from '@bufbuild/protobuf/wkt';
import type { ConfigObject } from '../../config/object.js';
import type { GatewayServer, GatewaySpec } from '../../config/kinds/gateway.js';
import type { Destination, RouteDestination } from '../../config/kinds/virtual-service.js';
import type { PushContext } from '../../model/push-context.js';
import type { ListenersView } from '../../model/proxy-views.js';
import { encodes, isolated } from '../isolate.js';
import { gatewayRouteName, isPassthroughServer, listenerName, outboundClusterName } from '../names.js';
import { tcpFilters } from './telemetry.js';
import { authzTcpFilters } from '../../security/authz/builder.js';
import { gatewayTransportSocket } from './gateway-tls.js';
import { hcmFilter } from './hcm.js';
import { socketAddress, tcpProxyFilter, tlsInspectorFilter, type WeightedCluster } from './protos.js';

const WILDCARD = '0.0.0.0';
const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

/** A server with the Gateway it came from. */
interface GatewayServerRef { server: GatewayServer; gateway: ConfigObject<GatewaySpec>; name: string; namespace: string }

const checkChains = encodes(FilterChainSchema);

/** A problem found while building (a server skipped), for callers that report them. */
export interface GatewayBuildIssue { gateway: string; server: string; reason: string }

/**
 * The port a server's listener binds: istiod resolves the server port through the gateway's own
 * service (service port 80 -> pod port 8080); without such an instance the server port itself.
 */
export function gatewayListenPort(push: PushContext, proxy: ListenersView, server: GatewayServer): number {
  const inst = proxy.ownPorts.find((i) => i.servicePort === server.port.number);
  return inst?.port ?? server.port.targetPort ?? server.port.number;
}

/** Server hosts without their `namespace/` prefix; `*` means any SNI (no server_names match). */
function sniHosts(hosts: readonly string[]): string[] {
  const out = hosts.map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h));
  return out.includes('*') ? [] : [...new Set(out)];
}

/** A VirtualService destination's cluster: short hosts are relative to the VirtualService's namespace. */
function destinationCluster(push: PushContext, proxy: ListenersView, d: Destination, vsNamespace: string): string {
  const host = d.host.includes('.') ? d.host : `${d.host}.${vsNamespace}.svc.cluster.local`;
  const svc = push.serviceFor(proxy, host) ?? push.serviceFor(proxy, d.host);
  const port = d.port?.number ?? (svc?.ports.length === 1 ? svc.ports[0].port : 0);
  return outboundClusterName(port, d.subset ?? '', svc?.hostname ?? host);
}

function weighted(push: PushContext, proxy: ListenersView, route: readonly RouteDestination[], ns: string): WeightedCluster[] {
  return route.map((r) => ({ name: destinationCluster(push, proxy, r.destination, ns), weight: r.weight ?? (route.length === 1 ? 100 : 0) }));
}

function bindsPort(match: { port?: number; gateways?: string[] } | undefined, port: number, gw: string): boolean {
  if (match === undefined) return true;
  if (match.port !== undefined && match.port !== port) return false;
  // match.gateways may name the gateway short (relative to the VirtualService's namespace) or as <ns>/<name>.
  const name = gw.slice(gw.indexOf('/') + 1);
  return match.gateways === undefined || match.gateways.length === 0 || match.gateways.some((g) => g === gw || g === name);
}

function tlsPassthroughChains(push: PushContext, proxy: ListenersView, ref: GatewayServerRef): FilterChain[] {
  const gw = `${ref.namespace}/${ref.name}`;
  const chains: FilterChain[] = [];
  const seen = new Set<string>();
  for (const vs of push.virtualServicesFor(proxy, [gw])) {
    const built = isolated(push, vs, () => {
      const own: FilterChain[] = [];
      const taken = new Set<string>();
      for (const r of vs.spec.tls ?? []) {
        for (const m of r.match) {
          if (!bindsPort(m, ref.server.port.number, gw) || r.route === undefined || r.route.length === 0) continue;
          const names = m.sniHosts.filter((h) => !seen.has(h) && !taken.has(h));
          if (names.length === 0) continue;
          names.forEach((h) => taken.add(h));
          own.push(create(FilterChainSchema, {
            filterChainMatch: { serverNames: names },
            filters: [...authzTcpFilters(push, proxy),
              ...tcpFilters(weighted(push, proxy, r.route, vs.metadata.namespace ?? proxy.namespace), push.telemetryFor(proxy, 'CLIENT'), push.mesh)],
          }));
        }
      }
      return own;
    }, () => [], checkChains);
    for (const c of built) for (const n of c.filterChainMatch?.serverNames ?? []) seen.add(n);
    chains.push(...built);
  }
  return chains;
}

function tcpChain(push: PushContext, proxy: ListenersView, ref: GatewayServerRef): FilterChain | undefined {
  const gw = `${ref.namespace}/${ref.name}`;
  for (const vs of push.virtualServicesFor(proxy, [gw])) {
    const [chain] = isolated(push, vs, () => {
      for (const r of vs.spec.tcp ?? []) {
        const matches = r.match === undefined || r.match.length === 0 || r.match.some((m) => bindsPort(m, ref.server.port.number, gw));
        if (!matches || r.route === undefined || r.route.length === 0) continue;
        return [create(FilterChainSchema, {
          filters: [...authzTcpFilters(push, proxy),
              ...tcpFilters(weighted(push, proxy, r.route, vs.metadata.namespace ?? proxy.namespace), push.telemetryFor(proxy, 'CLIENT'), push.mesh)],
        })];
      }
      return [];
    }, () => [], checkChains);
    if (chain !== undefined) return chain;
  }
  return undefined;
}

interface ServerChains { chains: FilterChain[]; plainHttp: boolean }

/** The chains of one server; plain HTTP servers of a port share one chain, built by the first (`plainHttp` taken). */
function serverChains(push: PushContext, proxy: ListenersView, port: number, ref: GatewayServerRef, plainHttpTaken: boolean,
  issues: GatewayBuildIssue[]): ServerChains {
  const statPrefix = `outbound_${listenerName(WILDCARD, port)}`;
  const s = ref.server;
  const proto = s.port.protocol.toUpperCase();
  const none: ServerChains = { chains: [], plainHttp: false };
  const issue = (reason: string): ServerChains => {
    issues.push({ gateway: `${ref.namespace}/${ref.name}`, server: s.port.name ?? String(s.port.number), reason });
    return none;
  };
  if (HTTP_PROTOCOLS.has(proto) || (proto === 'HTTPS' && !isPassthroughServer(s) && s.tls === undefined)) {
    // Plain HTTP servers on one port share a single chain and route `http.<port>`.
    if (plainHttpTaken) return none;
    const route = gatewayRouteName({ ...s, port: { ...s.port, number: port, protocol: 'HTTP' } }, ref.name, ref.namespace);
    return { chains: [create(FilterChainSchema, { filters: [hcmFilter({ class: 'gateway', statPrefix, route }, push, proxy)] })], plainHttp: true };
  }
  if ((proto === 'HTTPS' || proto === 'TLS') && !isPassthroughServer(s)) {
    if (proto === 'TLS') return issue('terminated TLS (non-HTTP) servers are not supported');
    const ts = gatewayTransportSocket(push, proxy.namespace, s.tls ?? {});
    if (typeof ts === 'string') return issue(ts);
    const hosts = sniHosts(s.hosts);
    return { plainHttp: false, chains: [create(FilterChainSchema, {
      filterChainMatch: hosts.length > 0 ? { serverNames: hosts } : undefined,
      transportSocket: ts,
      filters: [hcmFilter({ class: 'gateway', statPrefix, route: gatewayRouteName(s, ref.name, ref.namespace) }, push, proxy)],
    })] };
  }
  if (isPassthroughServer(s)) {
    if (s.tls?.mode === 'AUTO_PASSTHROUGH') return issue('AUTO_PASSTHROUGH is not supported');
    const c = tlsPassthroughChains(push, proxy, ref);
    if (c.length === 0) issue('no VirtualService tls route binds this server');
    return { chains: c, plainHttp: false };
  }
  if (proto === 'TCP' || proto === 'MONGO' || proto === 'REDIS' || proto === 'MYSQL') {
    const c = tcpChain(push, proxy, ref);
    return c === undefined ? issue('no VirtualService tcp route binds this server') : { chains: [c], plainHttp: false };
  }
  return issue(`protocol ${s.port.protocol} is not supported`);
}

/** Builds the chains of one listen port; servers that cannot be served are reported and skipped. */
function portChains(push: PushContext, proxy: ListenersView, port: number, refs: GatewayServerRef[], issues: GatewayBuildIssue[]): FilterChain[] {
  const chains: FilterChain[] = [];
  let plainHttp = false;
  for (const ref of refs) {
    const built = isolated(push, ref.gateway, () => serverChains(push, proxy, port, ref, plainHttp, issues),
      () => ({ chains: [], plainHttp: false }), (b) => checkChains(b.chains));
    plainHttp ||= built.plainHttp;
    chains.push(...built.chains);
  }
  return chains;
}

/** The gateway listeners of a router proxy, by ascending listen port; ports with no usable chain are left out. */
export function gatewayListeners(push: PushContext, proxy: ListenersView, issues: GatewayBuildIssue[] = []): Listener[] {
  const byPort = new Map<number, GatewayServerRef[]>();
  for (const gw of push.gatewaysFor(proxy)) {
    const servers = isolated(push, gw, () => (gw.spec.servers ?? []).map((server) => ({ server, port: gatewayListenPort(push, proxy, server) })), () => []);
    for (const { server, port } of servers) {
      const list = byPort.get(port) ?? [];
      list.push({ server, gateway: gw, name: gw.metadata.name, namespace: gw.metadata.namespace ?? proxy.namespace });
      byPort.set(port, list);
    }
  }
  const out: Listener[] = [];
  for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
    const chains = portChains(push, proxy, port, byPort.get(port)!, issues);
    if (chains.length === 0) continue;
    const tls = chains.some((c) => c.transportSocket !== undefined || (c.filterChainMatch?.serverNames.length ?? 0) > 0);
    out.push(create(ListenerSchema, {
      name: listenerName(WILDCARD, port),
      address: socketAddress(proxy.bindAddress, port),
      trafficDirection: TrafficDirection.OUTBOUND,
      listenerFilters: tls ? [tlsInspectorFilter()] : [],
      filterChains: chains,
    }));
  }
  return out;
}
