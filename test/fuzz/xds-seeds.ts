// Valid xDS resources for the xDS fuzz target, as Envoy JSON: clusters of every discovery type,
// assignments, listeners (HCM with RDS or inline routes, tcp_proxy) and route tables.
import type { Json } from './doc-mutation.js';

const ADS = { ads: {}, resource_api_version: 'V3' };
const addr = (address: string, port: number): Json => ({ socket_address: { address, port_value: port } });
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

const ROUTES: Json = {
  name: 'rich', validate_clusters: false,
  request_headers_to_add: [{ header: { key: 'x-a', value: 'b' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
  virtual_hosts: [{
    name: 'vh', domains: ['example.com', '*.example.org'], retry_policy: { retry_on: '5xx', num_retries: 2 },
    routes: [
      { match: { prefix: '/a', headers: [{ name: 'x-v', string_match: { safe_regex: { regex: 'v[0-9]+' } } }],
        query_parameters: [{ name: 'q', string_match: { exact: '1' } }] },
      route: { cluster: 'static', timeout: '2s', prefix_rewrite: '/b', retry_policy: { retry_on: 'connect-failure',
        num_retries: 3, per_try_timeout: '0.5s' } } },
      { match: { safe_regex: { regex: '/r/[a-z]+' } }, route: { weighted_clusters: { clusters: [
        { name: 'static', weight: 30 }, { name: 'dns', weight: 70 }] }, regex_rewrite: { pattern: { regex: '^/r' }, substitution: '/s' },
        request_mirror_policies: [{ cluster: 'static', runtime_fraction: { default_value: { numerator: 50 } } }],
        hash_policy: [{ header: { header_name: 'x-user' } }] } },
      { match: { path: '/redirect' }, redirect: { https_redirect: true, response_code: 'PERMANENT_REDIRECT' } },
      { match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'ok' } } },
    ],
  }],
};

export const CLUSTERS: Json[] = [
  { name: 'static', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'static',
    endpoints: [{ lb_endpoints: [{ endpoint: { address: addr('127.0.0.1', 8080) } }] }] } },
  { name: 'eds', type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: ADS, service_name: 'eds' },
    lb_policy: 'LEAST_REQUEST', outlier_detection: { consecutive_5xx: 3, interval: '1s', base_ejection_time: '30s',
      max_ejection_percent: 50 } },
  { name: 'dns', type: 'STRICT_DNS', connect_timeout: '0.25s', lb_policy: 'RING_HASH', dns_lookup_family: 'V4_ONLY',
    ring_hash_lb_config: { minimum_ring_size: 64 },
    load_assignment: { cluster_name: 'dns', endpoints: [{ locality: { zone: 'a' }, lb_endpoints: [
      { endpoint: { address: addr('localhost', 8080) }, load_balancing_weight: 2 }] }] },
    circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_connections: 1, max_pending_requests: 1, max_requests: 1,
      max_retries: 1 }] },
    health_checks: [{ timeout: '1s', interval: '5s', unhealthy_threshold: 2, healthy_threshold: 1,
      http_health_check: { path: '/health' } }],
    common_lb_config: { healthy_panic_threshold: { value: 50 } },
    typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      common_http_protocol_options: { idle_timeout: '30s' }, explicit_http_config: { http2_protocol_options: {} } } } },
  { name: 'orig', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '1s' },
  { name: 'tls', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'tls',
    endpoints: [{ lb_endpoints: [{ endpoint: { address: addr('127.0.0.1', 8443) } }] }] },
  transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'example.com' } } },
];

export const ASSIGNMENTS: Json[] = [
  { cluster_name: 'eds', endpoints: [
    { locality: { region: 'r', zone: 'a' }, priority: 0, load_balancing_weight: 3, lb_endpoints: [
      { endpoint: { address: addr('127.0.0.1', 8080) }, health_status: 'HEALTHY' },
      { endpoint: { address: addr('127.0.0.1', 8081) }, health_status: 'UNHEALTHY' }] },
    { locality: { zone: 'b' }, priority: 1, lb_endpoints: [{ endpoint: { address: addr('127.0.0.1', 8082) } }] }],
  policy: { overprovisioning_factor: 140 } },
];

export const LISTENERS: Json[] = [
  { name: 'rds', address: addr('127.0.0.1', 0), filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager',
    typed_config: { '@type': HCM, stat_prefix: 'rds', rds: { route_config_name: 'simple', config_source: ADS },
      http_filters: [ROUTER] } }] }] },
  { name: 'inline', address: addr('127.0.0.1', 0), filter_chains: [{
    filter_chain_match: { destination_port: 8080, source_prefix_ranges: [{ address_prefix: '127.0.0.0', prefix_len: 8 }] },
    filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: 'inline',
      codec_type: 'AUTO', stream_idle_timeout: '5s', request_timeout: '10s', use_remote_address: true,
      route_config: ROUTES, http_filters: [
        { name: 'envoy.filters.http.fault', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
          abort: { http_status: 503, percentage: { numerator: 10 } } } },
        { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } },
        ROUTER] } }] }] },
  { name: 'tcp', address: addr('127.0.0.1', 0),
    listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } }],
    filter_chains: [{ filter_chain_match: { server_names: ['a.example.com'] }, filters: [{ name: 'envoy.filters.network.tcp_proxy',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
        stat_prefix: 'tcp', cluster: 'static', idle_timeout: '60s' } }] }] },
];

export const ROUTE_CONFIGS: Json[] = [
  { name: 'simple', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'static' } }] }] },
  { ...(ROUTES as Record<string, Json>), name: 'simple' },
];
