// Test helper: builds Envoy v3 bootstrap YAML for one HTTP listener and some static clusters.
// Tests describe only what they vary (routes, clusters, HCM fields); the rest is boilerplate.

/** A STATIC cluster of loopback endpoints. */
export interface TestCluster {
  name: string;
  ports: number[];
  /** Extra cluster fields as YAML-able JSON (e.g. circuit_breakers, http2_protocol_options). */
  extra?: Record<string, unknown>;
}

/** One listener's HCM with the given route config; JSON is valid YAML, so no YAML writer is needed. */
export function bootstrapYaml(opts: {
  routeConfig: Record<string, unknown>;
  clusters: TestCluster[];
  hcm?: Record<string, unknown>;
  listenerName?: string;
}): string {
  const bootstrap = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [{
        name: opts.listenerName ?? 'test',
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'ingress_http',
              http_filters: [{ name: 'envoy.filters.http.router' }],
              route_config: opts.routeConfig,
              ...opts.hcm,
            },
          }],
        }],
      }],
      clusters: opts.clusters.map((c) => ({
        name: c.name,
        connect_timeout: '1s',
        type: 'STATIC',
        load_assignment: {
          cluster_name: c.name,
          endpoints: [{
            lb_endpoints: c.ports.map((p) => ({
              endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } },
            })),
          }],
        },
        ...c.extra,
      })),
    },
  };
  return JSON.stringify(bootstrap, null, 2);
}

/** A route config with one catch-all virtual host and the given routes. */
export function simpleRoutes(routes: unknown[], vhostExtra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'local_route', virtual_hosts: [{ name: 'local', domains: ['*'], routes, ...vhostExtra }] };
}
