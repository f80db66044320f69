// The Envoy routes of one VirtualService for one proxy: delegates expanded (matches merged as
// istiod's mergeHTTPRoutes), matches kept per port/gateway/source, destinations resolved relative
// to the VirtualService's namespace, consistent-hash policies and istiod's `istio.config` metadata.
import { create } from '@bufbuild/protobuf';
import { MetadataSchema } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { Route } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { ConfigObject } from '../../config/object.js';
import type { DelegatingHTTPRoute, HTTPMatchRequest, VirtualServiceSpec } from '../../config/kinds/virtual-service.js';
import type { ProxyNode } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { resolveShortname } from '../../registry/hostname.js';
import { selects } from '../../registry/workload.js';
import { hashPolicyFor } from '../cluster/index.js';
import { outboundClusterName } from '../names.js';
import { httpRoutes } from './http-route.js';
import type { ClusterResolver, Destination, HTTPRoute } from './inputs.js';

type VS = ConfigObject<VirtualServiceSpec>;

/** Where the routes go: a sidecar port (`mesh`) or a gateway server. */
export interface RouteContext {
  /** The listener/service port (sidecar) or the server port (gateway). */
  port: number;
  /** `mesh`, or the gateway as `ns/name`. */
  gateway: string;
}

/** `/apis/networking.istio.io/v1alpha3/namespaces/<ns>/virtual-service/<name>`, as istiod's route metadata. */
export const vsConfigPath = (vs: VS): string =>
  `/apis/networking.istio.io/v1alpha3/namespaces/${vs.metadata.namespace ?? ''}/virtual-service/${vs.metadata.name}`;

/** A match's gateways as `ns/name` or `mesh`, relative to the VirtualService's namespace. */
const qualify = (g: string, ns: string): string => (g === 'mesh' || g.includes('/') ? g : `${ns}/${g}`);

function keepMatch(m: HTTPMatchRequest, vs: VS, proxy: ProxyNode, ctx: RouteContext): boolean {
  const ns = vs.metadata.namespace ?? '';
  if (m.port !== undefined && m.port !== ctx.port) return false;
  if (m.gateways !== undefined && m.gateways.length > 0 && !m.gateways.map((g) => qualify(g, ns)).includes(ctx.gateway)) return false;
  if (ctx.gateway === 'mesh') {
    if (m.sourceLabels !== undefined && !selects(m.sourceLabels, proxy.labels)) return false;
    if (m.sourceNamespace !== undefined && m.sourceNamespace !== proxy.namespace) return false;
  }
  return true;
}

/** A destination's cluster: FQDN relative to `ns`; the port given, else the service's only port, else the route's. */
export function clusterResolver(push: PushContext, proxy: ProxyNode, ns: string, routePort: number): ClusterResolver {
  return (d: Destination) => {
    const fqdn = resolveShortname(d.host, ns);
    let port = d.port?.number;
    if (port === undefined) {
      const svc = push.serviceFor(proxy, fqdn);
      port = svc !== undefined && svc.ports.length === 1 ? svc.ports[0].port : routePort;
    }
    return outboundClusterName(port, d.subset ?? '', fqdn);
  };
}

/** Root match AND delegate match, as istiod merges them: the delegate's fields win, header maps join. */
function mergeMatch(root: HTTPMatchRequest | undefined, d: HTTPMatchRequest | undefined): HTTPMatchRequest | undefined {
  if (root === undefined) return d;
  if (d === undefined) return root;
  return {
    ...root, ...d,
    headers: root.headers || d.headers ? { ...root.headers, ...d.headers } : undefined,
    queryParams: root.queryParams || d.queryParams ? { ...root.queryParams, ...d.queryParams } : undefined,
    withoutHeaders: root.withoutHeaders || d.withoutHeaders ? { ...root.withoutHeaders, ...d.withoutHeaders } : undefined,
  };
}

/** One HTTPRoute together with the VirtualService whose namespace resolves its hosts. */
interface OwnedRoute { route: HTTPRoute; owner: VS }

/** The HTTP routes of a VirtualService with each `delegate` replaced by the delegate's routes. */
export function expandDelegates(push: PushContext, vs: VS): OwnedRoute[] {
  const out: OwnedRoute[] = [];
  for (const r of vs.spec.http ?? []) {
    const { delegate, ...root } = r as DelegatingHTTPRoute;
    if (delegate === undefined) { out.push({ route: root, owner: vs }); continue; }
    const child = push.virtualService(delegate.namespace ?? vs.metadata.namespace ?? '', delegate.name);
    if (child === undefined) continue; // istiod drops a route whose delegate does not exist
    for (const dr of child.spec.http ?? []) {
      const rootMatches = root.match ?? [undefined];
      const childMatches = dr.match ?? [undefined];
      const match = rootMatches.flatMap((rm) => childMatches.map((cm) => mergeMatch(rm, cm))).filter((m) => m !== undefined);
      out.push({ route: { ...root, ...dr, match: match.length > 0 ? match : undefined }, owner: child });
    }
  }
  return out;
}

/** The Envoy routes of a VirtualService for this proxy and context (may be empty). */
export function virtualServiceRoutes(push: PushContext, proxy: ProxyNode, vs: VS, ctx: RouteContext): Route[] {
  const out: Route[] = [];
  for (const { route, owner } of expandDelegates(push, vs)) {
    const ns = owner.metadata.namespace ?? '';
    const resolve = clusterResolver(push, proxy, ns, ctx.port);
    const built = httpRoutes(route, resolve, { keepMatch: (m) => keepMatch(m, owner, proxy, ctx) });
    const first = route.route?.[0]?.destination;
    const hash = first !== undefined ? hashPolicyFor(push, proxy, resolveShortname(first.host, ns), first.port?.number ?? ctx.port, first.subset ?? '') : [];
    for (const r of built) {
      r.metadata = create(MetadataSchema, { filterMetadata: { istio: { config: vsConfigPath(owner) } } });
      if (hash.length > 0 && r.action.case === 'route') r.action.value.hashPolicy = hash;
    }
    out.push(...built);
  }
  return out;
}
