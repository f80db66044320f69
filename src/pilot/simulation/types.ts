// The simulation's contracts: the Envoy config of one proxy, a described call, and where the call went
// (listener, filter chain, route config, virtual host, route, cluster, endpoints) or why it failed.
import type { Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { Cluster } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';

/** The xDS resources pushed to one proxy (LDS, RDS, CDS and optionally EDS). */
export interface ProxyConfig {
  readonly listeners: readonly Listener[];
  readonly routes: readonly RouteConfiguration[];
  readonly clusters: readonly Cluster[];
  readonly endpoints?: readonly ClusterLoadAssignment[];
}

/** The protocol a call speaks on the wire. 'tls' is any TLS client (SNI/ALPN from the call). */
export type CallProtocol = 'http' | 'http2' | 'tcp' | 'tls';

/** A described request or connection, as the application sends it. */
export interface Call {
  /** Destination IP (default 1.1.1.1, which only wildcard listeners match, as in Istio's simulation). */
  readonly address?: string;
  /** Destination port. */
  readonly port: number;
  /**
   * 'inbound': the call arrives at the proxy's workload (redirected to virtualInbound, matched on the
   * original destination port), as Istio's CallModeInbound. Default: the app's outbound call.
   */
  readonly callMode?: 'outbound' | 'inbound';
  readonly protocol: CallProtocol;
  /** HTTP Host / :authority (default: the destination address). */
  readonly host?: string;
  /** HTTP path with query (default '/'). */
  readonly path?: string;
  /** HTTP method (default GET). */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** TLS SNI (protocol 'tls'). */
  readonly sni?: string;
  /** ALPN offered in the ClientHello (protocol 'tls'; an Istio mTLS client offers `istio`). */
  readonly alpn?: readonly string[];
  /** Source IP (default 10.1.1.1, an in-mesh pod). */
  readonly sourceAddress?: string;
  /** The call is an absolute-form request to an explicit HTTP proxy listening on `listenerPort`. */
  readonly callerIsExplicitProxy?: { readonly listenerPort: number };
  /** Which weighted cluster to choose, as a value in 0..totalWeight-1 (default 0: the first). */
  readonly pickWeighted?: number;
}

/** Why a call got nowhere. */
export type SimulationError =
  | 'NoListener' | 'NoFilterChain' | 'NoRouteConfig' | 'NoVirtualHost' | 'NoRoute' | 'NoCluster'
  | 'ProtocolError' | 'TLSError' | 'TLSRedirect' | 'UnsupportedFilter';

/** One cluster of a weighted split. */
export interface WeightedClusterResult {
  readonly name: string;
  readonly weight: number;
}

/** A redirect route's answer (only the parts configured on the route). */
export interface RedirectResult {
  readonly status: number;
  readonly scheme?: string;
  readonly host?: string;
  readonly port?: string;
  readonly path?: string;
  readonly prefixRewrite?: string;
}

/** Where a call went. Fields are filled as far as the call got; `error` says where it stopped. */
export interface SimulationResult {
  listener?: string;
  filterChain?: string;
  routeConfig?: string;
  virtualHost?: string;
  /** The route's name. */
  route?: string;
  /** The route's `istio` filter metadata `config` (the VirtualService that produced it), if present. */
  routeIstioConfig?: string;
  /** The cluster chosen (for weighted clusters: the one `pickWeighted` selects). */
  cluster?: string;
  weightedClusters?: WeightedClusterResult[];
  directResponse?: { status: number; body?: string };
  redirect?: RedirectResult;
  error?: SimulationError;
  /** Human detail for `error`. */
  errorDetail?: string;
  /** The chosen cluster's endpoints as `ip:port` (or pipe/hostname), from load_assignment or EDS. */
  endpoints?: string[];
}
