// Hand-written Envoy configs shaped like istiod's output for the book's catalog/webapp services:
// a sidecar (virtualOutbound, 0.0.0.0_80 on RDS "80", a TCP service) and an ingress gateway (http.8080, TLS passthrough).
import { fromJson, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { parse } from 'yaml';
import { ListenerSchema } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import { ClusterSchema } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { registry } from '../../xds/registry.js';
import type { ProxyConfig } from './types.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const TLS_INSPECTOR = 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';
const CATALOG = 'catalog.istioinaction.svc.cluster.local';

function list<S extends DescMessage>(schema: S, yaml: string): MessageShape<S>[] {
  return (parse(yaml) as JsonValue[]).map((j) => fromJson(schema, j, { registry }));
}

function hcm(route: string): string {
  return `{ name: envoy.filters.network.http_connection_manager, typed_config: { '@type': '${HCM}', stat_prefix: outbound_0.0.0.0_80,
      rds: { route_config_name: '${route}', config_source: { ads: {}, resource_api_version: V3 } },
      http_filters: [{ name: envoy.filters.http.router, typed_config: { '@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router } }] } }`;
}

function tcp(cluster: string): string {
  return `{ name: envoy.filters.network.tcp_proxy, typed_config: { '@type': '${TCP}', stat_prefix: '${cluster}', cluster: '${cluster}' } }`;
}

const ISTIO_FILTERS = `[{ name: envoy.filters.listener.tls_inspector, typed_config: { '@type': '${TLS_INSPECTOR}' } },
    { name: envoy.filters.listener.http_inspector }]`;

const SIDECAR_LISTENERS = `
- name: virtualOutbound
  address: { socket_address: { address: 0.0.0.0, port_value: 15001 } }
  use_original_dst: true
  traffic_direction: OUTBOUND
  listener_filters: ${ISTIO_FILTERS}
  filter_chains:
  - name: virtualOutbound-blackhole
    filter_chain_match: { destination_port: 15001 }
    filters: [${tcp('BlackHoleCluster')}]
  - name: virtualOutbound-catchall-tcp
    filters: [${tcp('PassthroughCluster')}]
- name: 0.0.0.0_80
  address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
  bind_to_port: false
  traffic_direction: OUTBOUND
  listener_filters: ${ISTIO_FILTERS}
  filter_chains:
  - filter_chain_match: { transport_protocol: raw_buffer, application_protocols: [http/1.1, h2c] }
    filters: [${hcm('80')}]
  default_filter_chain:
    name: PassthroughFilterChain
    filters: [${tcp('PassthroughCluster')}]
- name: 10.0.0.9_3306
  address: { socket_address: { address: 10.0.0.9, port_value: 3306 } }
  bind_to_port: false
  traffic_direction: OUTBOUND
  filter_chains:
  - filters: [${tcp('outbound|3306||mysql.istioinaction.svc.cluster.local')}]
- name: 0.0.0.0_443
  address: { socket_address: { address: 0.0.0.0, port_value: 443 } }
  bind_to_port: false
  traffic_direction: OUTBOUND
  listener_filters: ${ISTIO_FILTERS}
  filter_chains:
  - filter_chain_match: { server_names: [www.google.com] }
    filters: [${tcp('outbound|443||www.google.com')}]
  - filter_chain_match: { server_names: ['*.wikipedia.org'] }
    filters: [${tcp('outbound|443||*.wikipedia.org')}]
  default_filter_chain:
    name: PassthroughFilterChain
    filters: [${tcp('PassthroughCluster')}]
`;

function retry(cluster: string): string {
  return `{ cluster: '${cluster}', timeout: 0s, retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
        num_retries: 2, host_selection_retry_max_attempts: 5, retriable_status_codes: [503],
        retry_host_predicate: [{ name: envoy.retry_host_predicates.previous_hosts, typed_config: { '@type': type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate } }] },
        max_grpc_timeout: 0s }`;
}

const VS_CATALOG = '/apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/catalog';

const SIDECAR_ROUTES = `
- name: '80'
  validate_clusters: false
  ignore_port_in_host_matching: true
  virtual_hosts:
  - name: ${CATALOG}:80
    domains: [${CATALOG}, catalog, catalog.istioinaction.svc, catalog.istioinaction, 10.0.0.5]
    include_request_attempt_count: true
    routes:
    - match: { prefix: /, case_sensitive: true, headers: [{ name: x-dark-launch, string_match: { exact: v2 } }] }
      route: ${retry(`outbound|80|version-v2|${CATALOG}`)}
      metadata: { filter_metadata: { istio: { config: '${VS_CATALOG}' } } }
      decorator: { operation: '${CATALOG}:80/*' }
    - match: { prefix: / }
      route: ${retry(`outbound|80|version-v1|${CATALOG}`)}
      metadata: { filter_metadata: { istio: { config: '${VS_CATALOG}' } } }
      decorator: { operation: '${CATALOG}:80/*' }
  - name: webapp.istioinaction.svc.cluster.local:80
    domains: [webapp.istioinaction.svc.cluster.local, webapp, webapp.istioinaction.svc, webapp.istioinaction, 10.0.0.6]
    routes:
    - name: default
      match: { prefix: / }
      route: ${retry('outbound|80||webapp.istioinaction.svc.cluster.local')}
    - name: never-reached
      match: { path: /unreachable }
      route: ${retry('outbound|80||webapp.istioinaction.svc.cluster.local')}
  - name: legacy.istioinaction.svc.cluster.local:80
    domains: [legacy.istioinaction.svc.cluster.local, legacy]
    routes:
    - name: only-api
      match: { prefix: /api }
      route: ${retry('outbound|80||legacy.istioinaction.svc.cluster.local')}
    - name: moved
      match: { prefix: /old }
      redirect: { host_redirect: webapp.istioinaction, path_redirect: /new }
  - name: allow_any
    domains: ['*']
    routes:
    - name: allow_any
      match: { prefix: / }
      route: { cluster: PassthroughCluster, timeout: 0s, max_grpc_timeout: 0s }
`;

function edsCluster(name: string): string {
  return `{ name: '${name}', type: EDS, connect_timeout: 10s, eds_cluster_config: { service_name: '${name}', eds_config: { ads: {}, resource_api_version: V3 } } }`;
}

const SIDECAR_CLUSTERS = `
- { name: PassthroughCluster, type: ORIGINAL_DST, lb_policy: CLUSTER_PROVIDED, connect_timeout: 10s }
- { name: BlackHoleCluster, type: STATIC, connect_timeout: 10s }
- ${edsCluster(`outbound|80||${CATALOG}`)}
- ${edsCluster(`outbound|80|version-v1|${CATALOG}`)}
- ${edsCluster(`outbound|80|version-v2|${CATALOG}`)}
- ${edsCluster('outbound|80||webapp.istioinaction.svc.cluster.local')}
- ${edsCluster('outbound|3306||mysql.istioinaction.svc.cluster.local')}
- name: 'outbound|443||www.google.com'
  type: STRICT_DNS
  connect_timeout: 10s
  load_assignment:
    cluster_name: 'outbound|443||www.google.com'
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: www.google.com, port_value: 443 } } } }] }]
`;

function cla(name: string, ips: string[]): string {
  return `{ cluster_name: '${name}', endpoints: [{ lb_endpoints: [${ips.map((ip) => `{ endpoint: { address: { socket_address: { address: ${ip}, port_value: 3000 } } } }`).join(', ')}] }] }`;
}

const SIDECAR_ENDPOINTS = `
- ${cla(`outbound|80||${CATALOG}`, ['10.244.0.11', '10.244.0.12'])}
- ${cla(`outbound|80|version-v1|${CATALOG}`, ['10.244.0.11'])}
- ${cla(`outbound|80|version-v2|${CATALOG}`, ['10.244.0.12'])}
`;

/** A sidecar in istioinaction (mode ALLOW_ANY) with the ch2 dark-launch VirtualService for catalog. */
export function sidecarConfig(): ProxyConfig {
  return {
    listeners: list(ListenerSchema, SIDECAR_LISTENERS),
    routes: list(RouteConfigurationSchema, SIDECAR_ROUTES),
    clusters: list(ClusterSchema, SIDECAR_CLUSTERS),
    endpoints: list(ClusterLoadAssignmentSchema, SIDECAR_ENDPOINTS),
  };
}

const GATEWAY_LISTENERS = `
- name: 0.0.0.0_8080
  address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
  traffic_direction: OUTBOUND
  filter_chains:
  - filters: [${hcm('http.8080')}]
- name: 0.0.0.0_8443
  address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }
  traffic_direction: OUTBOUND
  listener_filters: [{ name: envoy.filters.listener.tls_inspector, typed_config: { '@type': '${TLS_INSPECTOR}' } }]
  filter_chains:
  - filter_chain_match: { server_names: [catalog.istioinaction.io] }
    filters: [${tcp(`outbound|80||${CATALOG}`)}]
  - filter_chain_match: { server_names: [simple-sni-1.istioinaction.io] }
    filters:
    - name: envoy.filters.network.tcp_proxy
      typed_config:
        '@type': '${TCP}'
        stat_prefix: split
        weighted_clusters: { clusters: [{ name: 'outbound|80|version-v1|${CATALOG}', weight: 80 }, { name: 'outbound|80|version-v2|${CATALOG}', weight: 20 }] }
`;

const TLS_CONTEXT = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';

const GATEWAY_HTTPS = `
- name: 0.0.0.0_8443
  address: { socket_address: { address: 0.0.0.0, port_value: 8443 } }
  traffic_direction: OUTBOUND
  listener_filters: [{ name: envoy.filters.listener.tls_inspector, typed_config: { '@type': '${TLS_INSPECTOR}' } }]
  filter_chains:
  - filter_chain_match: { server_names: [webapp.istioinaction.io] }
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        '@type': '${TLS_CONTEXT}'
        common_tls_context: { alpn_protocols: [h2, http/1.1], tls_certificate_sds_secret_configs: [{ name: 'kubernetes://webapp-credential', sds_config: { ads: {}, resource_api_version: V3 } }] }
    filters: [${hcm('https.443.https.coolstore-gateway.istioinaction')}]
- name: 0.0.0.0_9443
  address: { socket_address: { address: 0.0.0.0, port_value: 9443 } }
  traffic_direction: OUTBOUND
  filter_chains:
  - transport_socket:
      name: envoy.transport_sockets.tls
      typed_config: { '@type': '${TLS_CONTEXT}', common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'kubernetes://any-credential' }] } }
    filters: [${hcm('https.443.https.coolstore-gateway.istioinaction')}]
`;

const GATEWAY_ROUTES = `
- name: http.8080
  validate_clusters: false
  ignore_port_in_host_matching: true
  virtual_hosts:
  - name: webapp.istioinaction.io:80
    domains: [webapp.istioinaction.io]
    routes:
    - match: { prefix: / }
      route: ${retry('outbound|80||webapp.istioinaction.svc.cluster.local')}
      metadata: { filter_metadata: { istio: { config: /apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/webapp-vs-from-gw } } }
  - name: catalog.istioinaction.io:80
    domains: [catalog.istioinaction.io]
    routes:
    - match: { prefix: / }
      route:
        timeout: 0s
        weighted_clusters:
          clusters:
          - { name: 'outbound|80|version-v1|${CATALOG}', weight: 90 }
          - { name: 'outbound|80|version-v2|${CATALOG}', weight: 10 }
  - name: gone.istioinaction.io:80
    domains: [gone.istioinaction.io]
    routes:
    - name: ghost
      match: { prefix: / }
      route: { cluster: 'outbound|80||ghost.istioinaction.svc.cluster.local' }
    - name: ignored
      match: { prefix: /never }
      direct_response: { status: 418 }
  - name: blackhole:80
    domains: [blackhole.istioinaction.io]
    routes:
    - name: block
      match: { prefix: / }
      direct_response: { status: 404, body: { inline_string: nope } }
`;

/** An ingress gateway terminating TLS: webapp.istioinaction.io by SNI on 8443, any client on 9443. */
export function httpsGatewayConfig(): ProxyConfig {
  const gw = gatewayConfig();
  const routes = list(RouteConfigurationSchema, GATEWAY_ROUTES.replace('name: http.8080', 'name: https.443.https.coolstore-gateway.istioinaction'));
  return { ...gw, listeners: list(ListenerSchema, GATEWAY_HTTPS), routes };
}

/** The ingress gateway: webapp and catalog (90/10) on http.8080, TLS passthrough on 8443. */
export function gatewayConfig(): ProxyConfig {
  const sidecar = sidecarConfig();
  return {
    listeners: list(ListenerSchema, GATEWAY_LISTENERS),
    routes: list(RouteConfigurationSchema, GATEWAY_ROUTES),
    clusters: sidecar.clusters.filter((c) => c.name.startsWith('outbound|')),
    endpoints: sidecar.endpoints,
  };
}
