// Configuration text for the benchmark's processes: the nginx upstream, and each proxy under
// test (nginx, haproxy, Strait's Envoy bootstrap), all on loopback with one worker each.

/** Paths nginx would otherwise take from its compiled-in defaults (not writable by every user). */
function nginxPaths(dir: string): string {
  return ['client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path']
    .map((d) => `  ${d} ${dir}/${d.replace(/_path$/, '')};`).join('\n');
}

/** Common nginx top: one worker, foreground, errors to stderr, runs as the current user. */
function nginxHead(dir: string, user: string | undefined): string {
  // As root, nginx's workers would switch to "nobody"; keep them as the user who ran the bench.
  return `${user !== undefined ? `user ${user};\n` : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
`;
}

/** The upstream: answers every request with 200 and a fixed body (nginx `return`). */
export function upstreamNginxConf(dir: string, port: number, body: string, user: string | undefined): string {
  if (!/^[A-Za-z0-9]*$/.test(body)) throw new Error('upstream body must be alphanumeric (it is inlined in nginx.conf)');
  return `${nginxHead(dir, user)}http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
${nginxPaths(dir)}
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      default_type text/plain;
      return 200 "${body}";
    }
  }
}
`;
}

/** nginx as a reverse proxy with a keep-alive pool to the upstream. */
export function proxyNginxConf(dir: string, port: number, upstreamPort: number, user: string | undefined): string {
  return `${nginxHead(dir, user)}http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
${nginxPaths(dir)}
  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** haproxy in HTTP mode, one thread, keep-alive on both sides with server connection reuse. */
export function haproxyCfg(port: number, upstreamPort: number): string {
  return `global
  nbthread 1
  maxconn 4096

defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s

frontend bench
  bind 127.0.0.1:${port}
  default_backend bench_upstream

backend bench_upstream
  server upstream 127.0.0.1:${upstreamPort}
`;
}

/** What a sidecar's HCM adds for telemetry: Istio's metadata exchange and stats filters, and tracing to a Zipkin collector. */
export interface BenchTelemetry {
  zipkinPort: number;
  /** random_sampling percent. */
  samplingPercent: number;
}

function telemetryNode(): string {
  return `node:
  id: sidecar~127.0.0.1~bench-0.default~default.svc.cluster.local
  cluster: bench.default
  metadata:
    NAME: bench-0
    NAMESPACE: default
    WORKLOAD_NAME: bench
    CLUSTER_ID: Kubernetes
    LABELS: { app: bench, version: v1 }
`;
}

function telemetryFilters(): string {
  return `          - name: istio.metadata_exchange
            typed_config:
              "@type": type.googleapis.com/xds.type.v3.TypedStruct
              type_url: type.googleapis.com/io.istio.http.peer_metadata.Config
              value: { upstream_discovery: [{ istio_headers: {} }], upstream_propagation: [{ istio_headers: {} }] }
          - name: istio.stats
            typed_config:
              "@type": type.googleapis.com/xds.type.v3.TypedStruct
              type_url: type.googleapis.com/stats.PluginConfig
              value: {}
`;
}

function telemetryTracing(t: BenchTelemetry): string {
  return `          tracing:
            random_sampling: { value: ${t.samplingPercent} }
            provider:
              name: envoy.tracers.zipkin
              typed_config:
                "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
                collector_cluster: zipkin
                collector_endpoint: /api/v2/spans
                collector_endpoint_version: HTTP_JSON
                trace_id_128bit: true
                shared_span_context: false
`;
}

function zipkinCluster(t: BenchTelemetry): string {
  return `  - name: zipkin
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: zipkin
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 127.0.0.1, port_value: ${t.zipkinPort} }
`;
}

/**
 * An Envoy v3 bootstrap: listener -> http_connection_manager -> router -> STATIC cluster; with
 * `telemetry`, the HCM also has what pilot gives a sidecar's outbound listener (stats, tracing).
 */
export function straitBootstrapYaml(port: number, adminPort: number, upstreamPort: number, telemetry?: BenchTelemetry): string {
  return `${telemetry ? telemetryNode() : ''}admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: ${adminPort} }
static_resources:
  listeners:
  - name: bench
    address:
      socket_address: { address: 127.0.0.1, port_value: ${port} }
    traffic_direction: OUTBOUND
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bench
${telemetry ? telemetryTracing(telemetry) : ''}          route_config:
            name: bench_route
            virtual_hosts:
            - name: bench
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: bench_upstream }
          http_filters:
${telemetry ? telemetryFilters() : ''}          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: bench_upstream
    type: STATIC
    connect_timeout: 1s
    metadata:
      filter_metadata:
        istio: { services: [{ host: bench-upstream.default.svc.cluster.local, name: bench-upstream, namespace: default }] }
    load_assignment:
      cluster_name: bench_upstream
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 127.0.0.1, port_value: ${upstreamPort} }
${telemetry ? zipkinCluster(telemetry) : ''}`;
}
