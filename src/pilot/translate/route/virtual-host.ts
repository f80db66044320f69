// Virtual hosts as istiod names and fills them: a sidecar's per-service hosts with the domains a
// caller in a namespace may use, the allow_any / block_all catch-all, and a gateway's per-host ones.
import { create } from '@bufbuild/protobuf';
import {
  DecoratorSchema, RouteSchema, VirtualHostSchema, type Route, type VirtualHost,
} from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import { durationOfMs } from './durations.js';
import { routeOperation } from './http-route.js';
import { retryPolicyFor } from './retry.js';

/**
 * generateVirtualHostDomains (Istio >= 1.20, ports ignored): the FQDN, then for `name.ns.svc.<domain>`
 * `name.ns.svc` and `name.ns`, the bare `name` only for callers in the same namespace, and the service IPs.
 */
export function sidecarDomains(fqdn: string, serviceNamespace: string, proxyNamespace: string, addresses: readonly string[] = []): string[] {
  const out = [fqdn];
  const m = /^([^.]+)\.([^.]+)\.svc\./.exec(fqdn);
  if (m !== null && m[2] === serviceNamespace) {
    if (proxyNamespace === serviceNamespace) out.push(m[1]);
    out.push(`${m[1]}.${m[2]}.svc`, `${m[1]}.${m[2]}`);
  }
  for (const a of addresses) if (a !== '' && a !== '0.0.0.0' && !out.includes(a)) out.push(a);
  return out;
}

/** The route of a service port no VirtualService configures: `default`, to its cluster, with Istio's defaults and span name. */
export function defaultRoute(cluster: string): Route {
  const route = create(RouteSchema, {
    name: 'default', match: { pathSpecifier: { case: 'prefix', value: '/' } },
    action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster }, timeout: durationOfMs(0), retryPolicy: retryPolicyFor(undefined) } },
  });
  const operation = routeOperation(route);
  if (operation !== undefined) route.decorator = create(DecoratorSchema, { operation });
  return route;
}

/** A sidecar virtual host `<fqdn>:<port>`. */
export function sidecarVirtualHost(fqdn: string, port: number, domains: string[], routes: Route[]): VirtualHost {
  return create(VirtualHostSchema, { name: `${fqdn}:${port}`, domains, routes, includeRequestAttemptCount: true });
}

/** The catch-all: `allow_any` to PassthroughCluster (ALLOW_ANY), or `block_all` answering 502 (REGISTRY_ONLY). */
export function catchAllVirtualHost(mode: 'ALLOW_ANY' | 'REGISTRY_ONLY'): VirtualHost {
  if (mode === 'REGISTRY_ONLY') {
    return create(VirtualHostSchema, { name: 'block_all', domains: ['*'], routes: [create(RouteSchema, {
      name: 'block_all', match: { pathSpecifier: { case: 'prefix', value: '/' } },
      action: { case: 'directResponse', value: { status: 502 } },
    })] });
  }
  return create(VirtualHostSchema, { name: 'allow_any', domains: ['*'], includeRequestAttemptCount: true, routes: [create(RouteSchema, {
    name: 'allow_any', match: { pathSpecifier: { case: 'prefix', value: '/' } },
    action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'PassthroughCluster' }, timeout: durationOfMs(0) } },
  })] });
}

/** A gateway virtual host `<host>:<serverPort>` with the host as its only domain. */
export function gatewayVirtualHost(host: string, serverPort: number, routes: Route[]): VirtualHost {
  return create(VirtualHostSchema, { name: `${host}:${serverPort}`, domains: [host], routes, includeRequestAttemptCount: true });
}

/** The `blackhole:<port>` virtual host of a gateway server no VirtualService binds: no routes, so Envoy answers 404 (NR). */
export function blackholeVirtualHost(port: number): VirtualHost {
  return create(VirtualHostSchema, { name: `blackhole:${port}`, domains: ['*'], routes: [] });
}

/**
 * A route configuration from virtual hosts in priority order: a domain already taken by an earlier
 * host is dropped from later ones (istiod keeps the first; a host left with no domains is dropped).
 */
export function routeConfiguration(name: string, hosts: readonly VirtualHost[], opts: { sidecar: boolean }): RouteConfiguration {
  const taken = new Set<string>();
  const kept: VirtualHost[] = [];
  for (const vh of hosts) {
    const domains = vh.domains.filter((d) => !taken.has(d.toLowerCase()));
    for (const d of domains) taken.add(d.toLowerCase());
    if (domains.length === 0) continue;
    vh.domains = domains;
    kept.push(vh);
  }
  return create(RouteConfigurationSchema, {
    name, virtualHosts: kept, validateClusters: false, ignorePortInHostMatching: opts.sidecar,
  });
}
