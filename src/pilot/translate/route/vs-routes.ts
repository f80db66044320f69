// A VirtualService's HTTP routes as Envoy routes for one proxy context (mesh or a gateway, a port):
// per-match port / sourceLabels / sourceNamespace / gateways filtering, route metadata, hash policy;
// a VirtualService whose routes cannot be built is left out (recorded), not the route configuration.
import { create, equals } from '@bufbuild/protobuf';
import { MetadataSchema } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { RouteAction_HashPolicySchema, RouteSchema, type Route } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { ConfigObject } from '../../config/object.js';
import type { VirtualServiceSpec } from '../../config/kinds/virtual-service.js';
import type { PushContext } from '../../model/push-context.js';
import type { RoutesView } from '../../model/proxy-views.js';
import { encodes, isolated } from '../isolate.js';
import { expandedRoutes } from './delegate.js';
import { httpRoutes } from './http-route.js';
import type { HTTPMatchRequest } from './inputs.js';
import { clusterResolver, hashPolicy, parseOutboundCluster } from './resolve.js';

/** Where routes are built: `mesh` for sidecars or `<ns>/<name>` of a gateway, and the listener/server port. */
export interface RouteContext {
  readonly gateway: string;
  readonly port: number;
}

/** A VS gateway reference resolved relative to the VS namespace (`mesh` stays). */
export function qualifyGateway(ref: string, vsNamespace: string): string {
  return ref === 'mesh' || ref.includes('/') ? ref : `${vsNamespace}/${ref}`;
}

const subsetOf = (want: Record<string, string>, have: Record<string, string>): boolean =>
  Object.entries(want).every(([k, v]) => have[k] === v);

/** Whether a match condition applies to this proxy and context (match.gateways override the VS's gateways). */
export function matchApplies(m: HTTPMatchRequest, vs: ConfigObject<VirtualServiceSpec>, proxy: RoutesView, ctx: RouteContext): boolean {
  const ns = vs.metadata.namespace ?? 'default';
  if (m.port !== undefined && m.port !== 0 && m.port !== ctx.port) return false;
  // istiod's sourceMatchHTTP: match.gateways, when set, decide alone (sourceLabels are then not checked).
  if (m.gateways !== undefined && m.gateways.length > 0) return m.gateways.some((g) => qualifyGateway(g, ns) === ctx.gateway);
  if (m.sourceLabels !== undefined && !subsetOf(m.sourceLabels, proxy.labels)) return false;
  return m.sourceNamespace === undefined || m.sourceNamespace === '' || m.sourceNamespace === proxy.namespace;
}

/** The `istio` filter metadata istioctl reads as the route's VIRTUAL SERVICE (`<name>.<ns>`). */
export function vsConfigPath(vs: ConfigObject<VirtualServiceSpec>): string {
  return `/apis/networking.istio.io/v1alpha3/namespaces/${vs.metadata.namespace ?? 'default'}/virtual-service/${vs.metadata.name}`;
}

/** Adds hash_policy from the destination's DestinationRule when the route forwards to one cluster (or all agree). */
export function addHashPolicy(push: PushContext, proxy: RoutesView, r: Route): void {
  if (r.action.case !== 'route') return;
  const a = r.action.value;
  const names = a.clusterSpecifier.case === 'cluster' ? [a.clusterSpecifier.value]
    : a.clusterSpecifier.case === 'weightedClusters' ? a.clusterSpecifier.value.clusters.map((c) => c.name) : [];
  const policies = names.map((n) => {
    const c = parseOutboundCluster(n);
    return c === undefined ? undefined : hashPolicy(push, proxy, c.fqdn, c.port, c.subset);
  });
  const first = policies[0];
  if (first === undefined) return;
  if (policies.every((p) => p !== undefined && equals(RouteAction_HashPolicySchema, p, first))) a.hashPolicy = [first];
}

const encodeRoutes = encodes(RouteSchema);
/**
 * Specs whose routes have encoded once: what could fail to encode comes from the spec, so a version
 * is checked once, not on every push and scope (a VirtualService with delegates is always checked).
 */
const encodedSpecs = new WeakSet<object>();

/**
 * The Envoy routes of a (delegate-expanded) VirtualService for this proxy and context; [] when none
 * apply, or when they cannot be built or encoded (the VirtualService is then recorded as left out).
 */
export function virtualServiceRoutes(push: PushContext, proxy: RoutesView, vs: ConfigObject<VirtualServiceSpec>, ctx: RouteContext): Route[] {
  const spec = vs.spec as object;
  const check = (routes: Route[]): void => {
    if (encodedSpecs.has(spec)) return;
    encodeRoutes(routes);
    if (routes.length > 0 && !(vs.spec.http ?? []).some((r) => r.delegate !== undefined)) encodedSpecs.add(spec);
  };
  return isolated(push, vs, () => buildRoutes(push, proxy, vs, ctx), () => [], check);
}

function buildRoutes(push: PushContext, proxy: RoutesView, vs: ConfigObject<VirtualServiceSpec>, ctx: RouteContext): Route[] {
  const metadata = create(MetadataSchema, { filterMetadata: { istio: { config: vsConfigPath(vs) } } });
  const out: Route[] = [];
  for (const { route, namespace } of expandedRoutes(push, vs)) {
    const routes = httpRoutes(route, clusterResolver(push, proxy, namespace, ctx.port), {
      keepMatch: (m) => matchApplies(m, vs, proxy, ctx), operationPrefix: `${vs.metadata.name}:${ctx.port}`,
    });
    for (const r of routes) {
      r.metadata = metadata;
      addHashPolicy(push, proxy, r);
      out.push(r);
      // Nothing after a catch-all can match: istiod stops there (and after a route without matches).
      if (isCatchAllRoute(r)) return out;
    }
    if (route.match === undefined || route.match.length === 0) return out;
  }
  return out;
}

/** IsCatchAllRoute: prefix `/` (or a regex `.*`) with no header or query conditions. */
export function isCatchAllRoute(r: Route): boolean {
  const m = r.match;
  if (m === undefined || m.headers.length > 0 || m.queryParameters.length > 0 || m.runtimeFraction !== undefined) return false;
  return (m.pathSpecifier.case === 'prefix' && m.pathSpecifier.value === '/') || (m.pathSpecifier.case === 'safeRegex' && m.pathSpecifier.value.regex === '.*');
}
