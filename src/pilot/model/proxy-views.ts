// What each generator may read of a connected proxy: narrow views copied out of the ProxyNode field by
// field, so the cache key made from a view (viewKey) covers everything the translator behind it reads.
import type { Locality, ServiceInstance } from '../registry/model.js';
import type { NodeType, ProxyNode } from './proxy.js';

/** Which config a proxy sees: its role, namespace and labels (Sidecar, selectors, exportTo, DestinationRule choice). */
export interface ProxyScope {
  readonly type: NodeType;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A service port of the proxy's own workload and the workload port it targets (gateways bind the target). */
export type OwnPort = Readonly<Pick<ServiceInstance, 'hostname' | 'servicePortName' | 'servicePort' | 'port'>>;

/** Routes: the scope, the explicit HTTP proxy port, and the proxy's own service ports (a gateway's server ports). */
export interface RoutesView extends ProxyScope {
  readonly httpProxyPort: number;
  readonly ownPorts: readonly OwnPort[];
}

/** The names telemetry gives a proxy (span tags, a tracer's service name): its scope, workload, cluster and mesh. */
export interface TelemetryNamesView extends ProxyScope {
  /** The workload's name for telemetry (the injector's WORKLOAD_NAME, else the pod's name). */
  readonly workloadName: string;
  readonly clusterId: string;
  /** '' when the node names none (the trust domain then). */
  readonly meshId: string;
}

/**
 * A sidecar's per-port outbound listeners, shared by the proxies of one scope: the scope and the
 * telemetry names, the workload's name '' when its labels name its canonical service (then unread).
 */
export type OutboundListenersView = TelemetryNamesView;

/** Listeners and inbound clusters: the routes' view, the addresses the proxy binds and serves, and the names telemetry gives it. */
export interface ListenersView extends RoutesView, TelemetryNamesView {
  readonly bindAddress: string;
  readonly appAddress: string;
}

/** Outbound clusters: the scope, the locality (locality LB) and whether the proxy has only IPv6 addresses (DNS lookups). */
export interface ClustersView extends ProxyScope {
  readonly locality?: Locality;
  readonly ipv6Only: boolean;
}

/** Endpoints: the scope (failover priority reads its labels) and the locality (priorities by proximity). */
export interface EndpointsView extends ProxyScope {
  readonly locality?: Locality;
}

/** Labels as one string, `k=v` sorted by key. */
export const labelsKey = (l: Readonly<Record<string, string>>): string => Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(',');

const sortedLabels = (l: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.keys(l).sort().map((k) => [k, l[k]!]));

const locality = (l: Locality | undefined): { locality?: Locality } =>
  (l === undefined ? {} : { locality: { region: l.region, zone: l.zone, subzone: l.subzone } });

export function proxyScope(p: ProxyScope): ProxyScope {
  return { type: p.type, namespace: p.namespace, labels: sortedLabels(p.labels) };
}

/** `instances`: the proxy's own service instances (PushContext.proxyInstances). */
export function routesView(p: ProxyNode, instances: readonly ServiceInstance[]): RoutesView {
  const ownPorts = instances.map((i) => ({ hostname: i.hostname, servicePortName: i.servicePortName, servicePort: i.servicePort, port: i.port }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.servicePort - b.servicePort || a.port - b.port);
  return { ...proxyScope(p), httpProxyPort: p.httpProxyPort, ownPorts };
}

/** The workload's canonical service as the injector labels it; undefined when no label names it (telemetry then uses the workload's name). */
export function canonicalServiceLabel(l: Readonly<Record<string, string>>): string | undefined {
  return l['service.istio.io/canonical-name'] ?? l['app.kubernetes.io/name'] ?? l['app'];
}

const telemetryNames = (p: ProxyNode): Omit<TelemetryNamesView, keyof ProxyScope> => ({
  workloadName: p.metadata['WORKLOAD_NAME'] ?? p.workloadName, clusterId: p.metadata['CLUSTER_ID'] ?? 'Kubernetes', meshId: p.metadata['MESH_ID'] ?? '',
});

export function listenersView(p: ProxyNode, instances: readonly ServiceInstance[]): ListenersView {
  return { ...routesView(p, instances), bindAddress: p.bindAddress, appAddress: p.appAddress, ...telemetryNames(p) };
}

export function outboundListenersView(p: ProxyNode): OutboundListenersView {
  const names = telemetryNames(p);
  return { ...proxyScope(p), ...names, workloadName: canonicalServiceLabel(p.labels) === undefined ? names.workloadName : '' };
}

export function clustersView(p: ProxyNode): ClustersView {
  const allV6 = p.ipAddresses.length > 0 && p.ipAddresses.every((ip) => ip.includes(':'));
  return { ...proxyScope(p), ...locality(p.locality), ipv6Only: allV6 };
}

export function endpointsView(p: ProxyNode): EndpointsView {
  return { ...proxyScope(p), ...locality(p.locality) };
}

/** Every view in one object, for what builds a whole config at once (simulations, tests). */
export function allViews(p: ProxyNode, instances: readonly ServiceInstance[]): ListenersView & ClustersView & EndpointsView {
  return { ...listenersView(p, instances), ...clustersView(p) };
}

/** allViews with the proxy's own instances from `push`. */
export const allViewsIn = (push: { proxyInstances(p: ProxyNode): ServiceInstance[] }, p: ProxyNode): ListenersView & ClustersView & EndpointsView =>
  allViews(p, push.proxyInstances(p));

/** The cache key of a view: every field it has, in the order the constructors above write them. */
export const viewKey = (v: object): string => JSON.stringify(v);
