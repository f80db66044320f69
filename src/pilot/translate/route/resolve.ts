// Destination hosts -> cluster names as istiod resolves them (short names relative to the VS namespace,
// the service's only port or the route's port) and the DestinationRule consistentHash -> hash_policy.
import { create } from '@bufbuild/protobuf';
import { RouteAction_HashPolicySchema, type RouteAction_HashPolicy } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { LoadBalancerSettings } from '../../config/kinds/destination-rule.js';
import type { PushContext } from '../../model/push-context.js';
import type { RoutesView } from '../../model/proxy-views.js';
import { outboundClusterName } from '../names.js';
import { duration } from './durations.js';
import type { ClusterResolver, Destination } from './inputs.js';

/** ResolveShortnameToFQDN: a host without a dot gets `.<ns>.svc.cluster.local`; others stay as written. */
export function resolveShortname(host: string, namespace: string, domainSuffix = 'cluster.local'): string {
  return host.includes('.') || host.includes('*') ? host : `${host}.${namespace}.svc.${domainSuffix}`;
}

/** The port of a destination: its own, else the service's only port, else the route (listener) port. */
export function destinationPort(push: PushContext, proxy: RoutesView, d: Destination, fqdn: string, routePort: number): number {
  if (d.port?.number !== undefined && d.port.number > 0) return d.port.number;
  const svc = push.serviceFor(proxy, fqdn);
  return svc !== undefined && svc.ports.length === 1 ? svc.ports[0].port : routePort;
}

/** A resolver for the routes of a VirtualService in `namespace`; hosts not in the registry still get their cluster name. */
export function clusterResolver(push: PushContext, proxy: RoutesView, namespace: string, routePort: number): ClusterResolver {
  return (d) => {
    const fqdn = resolveShortname(d.host, namespace, push.mesh.trustDomain || 'cluster.local');
    return outboundClusterName(destinationPort(push, proxy, d, fqdn, routePort), d.subset ?? '', fqdn);
  };
}

/** The load balancer settings that apply to a destination: subset over port level over top level. */
function loadBalancerFor(push: PushContext, proxy: RoutesView, fqdn: string, port: number, subset: string): LoadBalancerSettings | undefined {
  const dr = push.destinationRuleFor(proxy, fqdn)?.spec;
  if (dr === undefined) return undefined;
  const pick = (tp: typeof dr.trafficPolicy): LoadBalancerSettings | undefined =>
    tp?.portLevelSettings?.find((p) => p.port?.number === port)?.loadBalancer ?? tp?.loadBalancer;
  const sub = subset === '' ? undefined : dr.subsets?.find((s) => s.name === subset);
  return pick(sub?.trafficPolicy) ?? pick(dr.trafficPolicy);
}

/** Istio's consistentHashToHashPolicy for one destination; undefined without a consistentHash LB. */
export function hashPolicy(push: PushContext, proxy: RoutesView, fqdn: string, port: number, subset = ''): RouteAction_HashPolicy | undefined {
  const ch = loadBalancerFor(push, proxy, fqdn, port, subset)?.consistentHash;
  if (ch === undefined) return undefined;
  if (ch.httpHeaderName !== undefined) {
    return create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'header', value: { headerName: ch.httpHeaderName } } });
  }
  if (ch.httpCookie !== undefined) {
    return create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'cookie', value: {
      name: ch.httpCookie.name, path: ch.httpCookie.path ?? '', ttl: ch.httpCookie.ttl !== undefined ? duration(ch.httpCookie.ttl) : undefined,
    } } });
  }
  if (ch.useSourceIp === true) {
    return create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'connectionProperties', value: { sourceIp: true } } });
  }
  if (ch.httpQueryParameterName !== undefined) {
    return create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'queryParameter', value: { name: ch.httpQueryParameterName } } });
  }
  return undefined;
}

/** Parses a cluster name `outbound|port|subset|fqdn`; undefined for other names. */
export function parseOutboundCluster(name: string): { port: number; subset: string; fqdn: string } | undefined {
  const p = name.split('|');
  return p.length === 4 && p[0] === 'outbound' ? { port: Number(p[1]), subset: p[2], fqdn: p[3] } : undefined;
}
