// The bootstrap a mesh proxy starts from (istio-agent's job): node identity and metadata for
// the control plane, ADS to pilot over `xds-grpc`, admin, and Istio's static listeners
// 15090 (/stats/prometheus) and 15021 (/healthz/ready), all bound to the pod's own address.
import { APP_ADDRESS_KEY, BIND_ADDRESS_KEY } from '../../pilot/model/proxy-from-node.js';
import { proxyNodeId, type NodeType } from '../../pilot/model/proxy.js';

export interface ProxyBootstrapOptions {
  type: NodeType;
  podName: string;
  namespace: string;
  /** The pod's address: node id IP, and where admin and every listener bind. */
  podIp: string;
  /** Where the app listens (inbound clusters); default the pod IP. */
  appAddress?: string;
  labels: Record<string, string>;
  serviceAccount?: string;
  /** Pilot's xDS address. */
  xdsHost: string;
  xdsPort: number;
  /** Envoy admin port (Istio's 15000); 0 picks a free one. */
  adminPort?: number;
  /** Istio's Prometheus stats port 15090 and readiness port 15021; null leaves them out. */
  statsPort?: number | null;
  healthPort?: number | null;
  /** Explicit HTTP proxy port for the app (HTTP_PROXY), 0 = none. */
  httpProxyPort?: number;
  /**
   * xDS API variant; default DELTA_GRPC (incremental, as istio-agent with ISTIO_DELTA_XDS): a change
   * sends a proxy only the resources that changed, not every resource of the type again.
   */
  apiType?: 'GRPC' | 'DELTA_GRPC';
  /** defaultConfig.tracing.zipkin.address resolved: the bootstrap's Zipkin tracer and its `zipkin` cluster. */
  zipkin?: { host: string; port: number };
  /** The pod agent's SDS socket: the `sds-grpc` cluster that TLS contexts take `default` and `ROOTCA` from. */
  sdsSocket?: string;
  /** The workload (Deployment) name; default the pod name without its last two `-xxxx` segments. */
  workloadName?: string;
  /** ISTIO_VERSION in the node metadata; default ISTIO_VERSION. */
  istioVersion?: string;
}

/** Istio's bootstrap tracer for defaultConfig.tracing.zipkin (HCMs without a Telemetry provider use it). */
function zipkinTracing(): unknown {
  return { http: { name: 'envoy.tracers.zipkin', typed_config: {
    '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig', collector_cluster: 'zipkin',
    collector_endpoint: '/api/v2/spans', collector_endpoint_version: 'HTTP_JSON', trace_id_128bit: true, shared_span_context: false,
  } } };
}

/** The Istio release whose APIs and behaviour Strait follows, as the agent reports it. */
export const ISTIO_VERSION = '1.17.8';

/** A Deployment pod's workload: `web-5d9c7b8f4-x2x9z` -> `web` (a name with fewer segments stays). */
export function workloadFromPodName(podName: string): string {
  const parts = podName.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : podName;
}

/** The injector's canonical-name/-revision labels (kept when the pod sets them). */
export function withCanonicalLabels(labels: Record<string, string>, workload: string): Record<string, string> {
  return {
    ...labels,
    'service.istio.io/canonical-name': labels['service.istio.io/canonical-name']
      ?? labels['app.kubernetes.io/name'] ?? labels['app'] ?? workload,
    'service.istio.io/canonical-revision': labels['service.istio.io/canonical-revision']
      ?? labels['app.kubernetes.io/version'] ?? labels['version'] ?? 'latest',
  };
}

const ADS = { ads: {}, resource_api_version: 'V3' };

/** gRPC clusters (xds-grpc, sds-grpc) speak HTTP/2. */
const HTTP2_OPTIONS = {
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    explicit_http_config: { http2_protocol_options: {} },
  },
};

/** The runtime Istio's bootstrap sets: a `#fragment` in a path is stripped, not refused (Envoy's default since 1.22). */
const ISTIO_RUNTIME = { layers: [
  { name: 'global config', static_layer: { 'envoy.reloadable_features.http_reject_path_with_fragment': false } },
  { name: 'admin', admin_layer: {} },
] };

function socket(address: string, port: number): unknown {
  return { socket_address: { address, port_value: port } };
}

/** A static listener routing one path (rewritten) to the admin interface. */
function adminRouteListener(name: string, ip: string, port: number, path: string, rewrite: string): unknown {
  return {
    name, address: socket(ip, port),
    filter_chains: [{ filters: [{
      name: 'envoy.filters.network.http_connection_manager',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        stat_prefix: name,
        route_config: { virtual_hosts: [{ name: 'backend', domains: ['*'], routes: [{
          match: { prefix: path }, route: { cluster: 'prometheus_stats', prefix_rewrite: rewrite },
        }] }] },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
      },
    }] }],
  };
}

/** The Envoy v3 bootstrap (JSON) of a mesh proxy. */
export function proxyBootstrap(o: ProxyBootstrapOptions): Record<string, unknown> {
  const adminPort = o.adminPort ?? 15000;
  const app = o.labels['app'] ?? o.labels['app.kubernetes.io/name'] ?? o.podName;
  const workload = o.workloadName ?? workloadFromPodName(o.podName);
  const metadata: Record<string, unknown> = {
    NAMESPACE: o.namespace, NAME: o.podName, INSTANCE_IPS: o.podIp, LABELS: withCanonicalLabels(o.labels, workload),
    WORKLOAD_NAME: workload, OWNER: `kubernetes://apis/apps/v1/namespaces/${o.namespace}/deployments/${workload}`,
    ISTIO_VERSION: o.istioVersion ?? ISTIO_VERSION,
    SERVICE_ACCOUNT: o.serviceAccount ?? 'default', CLUSTER_ID: 'Kubernetes',
    [BIND_ADDRESS_KEY]: o.podIp, [APP_ADDRESS_KEY]: o.appAddress ?? o.podIp,
  };
  if (o.httpProxyPort) metadata['HTTP_PROXY_PORT'] = String(o.httpProxyPort);
  const listeners: unknown[] = [];
  if (o.statsPort !== null) listeners.push(adminRouteListener('prometheus_stats', o.podIp, o.statsPort ?? 15090, '/stats/prometheus', '/stats/prometheus'));
  if (o.healthPort !== null) listeners.push(adminRouteListener('health_status', o.podIp, o.healthPort ?? 15021, '/healthz/ready', '/ready'));
  const clusters: unknown[] = [];
  if (o.sdsSocket !== undefined) {
    clusters.push({ name: 'sds-grpc', type: 'STATIC', connect_timeout: '1s',
      typed_extension_protocol_options: HTTP2_OPTIONS,
      load_assignment: { cluster_name: 'sds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: o.sdsSocket } } } }] }] } });
  }
  if (o.zipkin !== undefined) {
    clusters.push({ name: 'zipkin', type: 'STATIC', connect_timeout: '1s',
      load_assignment: { cluster_name: 'zipkin', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(o.zipkin.host, o.zipkin.port) } }] }] } });
  }
  return {
    node: { id: proxyNodeId(o.type, o.podIp, o.podName, o.namespace), cluster: `${app}.${o.namespace}`, metadata },
    admin: { address: socket(o.podIp, adminPort) },
    dynamic_resources: {
      ads_config: { api_type: o.apiType ?? 'DELTA_GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
      lds_config: ADS,
      cds_config: ADS,
    },
    static_resources: {
      listeners,
      clusters: [
        {
          name: 'xds-grpc', type: 'STATIC', connect_timeout: '1s',
          load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(o.xdsHost, o.xdsPort) } }] }] },
          typed_extension_protocol_options: HTTP2_OPTIONS,
        },
        {
          name: 'prometheus_stats', type: 'STATIC', connect_timeout: '0.250s',
          load_assignment: { cluster_name: 'prometheus_stats', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(o.podIp, adminPort) } }] }] },
        },
        ...clusters,
      ],
    },
    layered_runtime: ISTIO_RUNTIME,
    ...(o.zipkin !== undefined ? { tracing: zipkinTracing() } : {}),
  };
}
