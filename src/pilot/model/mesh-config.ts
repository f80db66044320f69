// The MeshConfig fields the translators read (istio.io/api mesh/v1alpha1), with istiod's defaults,
// including the extension providers Telemetry resources name.

/** envoyExtAuthzHttp.includeRequestBodyInCheck (and the gRPC provider's). */
export interface ExtAuthzRequestBody {
  maxRequestBytes?: number;
  allowPartialMessage?: boolean;
  packAsBytes?: boolean;
}

/** meshConfig.extensionProviders[].envoyExtAuthzHttp: an HTTP authorization server for CUSTOM policies. */
export interface EnvoyExtAuthzHttpProvider {
  /** `<namespace>/<hostname>` or a registry hostname (`ext-authz.foo.svc.cluster.local`). */
  service: string;
  port: number;
  /** A protobuf JSON duration ("0.5s"); istiod's default 600s. */
  timeout?: string;
  pathPrefix?: string;
  failOpen?: boolean;
  /** An HTTP status code as text ("503"); Envoy's default 403. */
  statusOnError?: string;
  includeRequestHeadersInCheck?: string[];
  /** Deprecated: used when includeRequestHeadersInCheck is empty. */
  includeHeadersInCheck?: string[];
  includeAdditionalHeadersInCheck?: Record<string, string>;
  headersToUpstreamOnAllow?: string[];
  headersToDownstreamOnDeny?: string[];
  headersToDownstreamOnAllow?: string[];
  includeRequestBodyInCheck?: ExtAuthzRequestBody;
}

/** meshConfig.extensionProviders[].envoyExtAuthzGrpc: a gRPC authorization server (Strait's proxy has no gRPC ext_authz client). */
export interface EnvoyExtAuthzGrpcProvider {
  service: string;
  port: number;
  timeout?: string;
  failOpen?: boolean;
  statusOnError?: string;
  includeRequestBodyInCheck?: ExtAuthzRequestBody;
}

/** meshConfig.extensionProviders[]: where telemetry goes and who CUSTOM authorization asks (only the kinds Strait's proxy speaks). */
export interface ExtensionProvider {
  name: string;
  envoyExtAuthzHttp?: EnvoyExtAuthzHttpProvider;
  envoyExtAuthzGrpc?: EnvoyExtAuthzGrpcProvider;
  envoyFileAccessLog?: { path?: string; logFormat?: { text?: string; labels?: Record<string, string> } };
  /** `service` is a registry hostname (`zipkin.istio-system.svc.cluster.local`). */
  zipkin?: { service: string; port: number; maxTagLength?: number; path?: string };
  opentelemetry?: { service: string; port: number; http?: { path?: string } };
  prometheus?: Record<string, never>;
}

export interface MeshConfig {
  /** ALLOW_ANY (default): unknown hosts pass through; REGISTRY_ONLY: they get a 502 (block_all). */
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' | 'REGISTRY_ONLY' };
  /** Upstream connect timeout of generated clusters; Istio's default 10s. */
  connectTimeoutMs: number;
  /** Auto mTLS: ISTIO_MUTUAL to endpoints labelled tlsMode=istio when no DestinationRule sets TLS. */
  enableAutoMtls: boolean;
  /**
   * Strait-only: the proxies take their workload certificate and trust root over SDS (`default` and
   * `ROOTCA` from the agent's `sds-grpc` cluster), as every Istio sidecar does. Off (the default until
   * Strait's local mesh runs the agent), inbound mTLS cannot be served: a PERMISSIVE port serves
   * plaintext only and a STRICT port gets no filter chain (connections are closed, nothing plaintext gets in).
   */
  workloadSds: boolean;
  /** Config root namespace (mesh-wide Sidecar, PeerAuthentication ...); default istio-system. */
  rootNamespace: string;
  trustDomain: string;
  /** Mesh-wide access log path ('' = off, '/dev/stdout'), format and encoding. */
  accessLogFile: string;
  accessLogFormat: string;
  accessLogEncoding: 'TEXT' | 'JSON';
  /** Ingress gateway pods' label used by `istio: ingressgateway` selectors. */
  ingressSelector: string;
  /** Tracing sampling percent for the proxies (defaultConfig.tracing.sampling); Istio's default 1. */
  tracingSampling: number;
  /** meshConfig.enableTracing: HCMs get a tracing section (Istio's default true). */
  enableTracing: boolean;
  extensionProviders: ExtensionProvider[];
  /** Providers used where no Telemetry names one (Istio's default: metrics to prometheus). */
  defaultProviders: { metrics: string[]; tracing: string[]; accessLogging: string[] };
}

export function defaultMeshConfig(): MeshConfig {
  return {
    outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    connectTimeoutMs: 10_000,
    enableAutoMtls: true,
    workloadSds: false,
    rootNamespace: 'istio-system',
    trustDomain: 'cluster.local',
    accessLogFile: '',
    accessLogFormat: '',
    accessLogEncoding: 'TEXT',
    ingressSelector: 'ingressgateway',
    tracingSampling: 1,
    enableTracing: true,
    extensionProviders: [
      { name: 'prometheus', prometheus: {} },
      { name: 'envoy', envoyFileAccessLog: { path: '/dev/stdout' } },
    ],
    defaultProviders: { metrics: ['prometheus'], tracing: [], accessLogging: [] },
  };
}
