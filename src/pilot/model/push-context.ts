// What translators read (istiod's PushContext): an immutable, indexed snapshot of config and
// registry, with every lookup scoped to the asking proxy (namespace, Sidecar egress, exportTo).
import type { ConfigObject } from '../config/object.js';
import type { DestinationRuleSpec } from '../config/kinds/destination-rule.js';
import type { GatewaySpec } from '../config/kinds/gateway.js';
import type { SidecarSpec } from '../config/kinds/sidecar.js';
import type { VirtualServiceSpec } from '../config/kinds/virtual-service.js';
import type { Service, ServiceInstance } from '../registry/model.js';
import type { MeshConfig } from './mesh-config.js';
import type { ProxyNode } from './proxy.js';
import type { ProxyScope } from './proxy-views.js';
import type { TelemetryMode, TelemetryPlan } from '../telemetry/effective.js';
import type { ConfigError } from './config-errors.js';
import type { AuthorizationPolicies } from '../security/authz/policies.js';
import type { RequestAuthentication } from '../security/authn/request-authentications.js';
import type { PeerAuthenticationIndex } from '../security/peer-authentication.js';

export interface PushContext {
  /** Version of this snapshot (changes on every full push). */
  readonly version: string;
  readonly mesh: MeshConfig;
  /** The PeerAuthentications of the mesh: a workload's mTLS mode (per port), a namespace's (auto mTLS). */
  readonly peerAuthentication: PeerAuthenticationIndex;

  /** Services the proxy may reach: exportTo-visible and, with a Sidecar, within its egress hosts. */
  servicesFor(proxy: ProxyScope): Service[];
  /** A visible service by hostname (FQDN or short name relative to the proxy's namespace). */
  serviceFor(proxy: ProxyScope, host: string): Service | undefined;
  /** The Sidecar resource that applies to the proxy (workload-selected, else namespace, else root namespace). */
  sidecarFor(proxy: ProxyScope): ConfigObject<SidecarSpec> | undefined;
  /**
   * VirtualServices visible to the proxy and bound to one of `gateways` (`mesh` for sidecars,
   * `<ns>/<name>` for gateways), in Istio's order (oldest first, then name).
   */
  virtualServicesFor(proxy: ProxyScope, gateways: readonly string[]): ConfigObject<VirtualServiceSpec>[];
  /** A VirtualService by namespace/name (delegates). */
  virtualService(namespace: string, name: string): ConfigObject<VirtualServiceSpec> | undefined;
  /** The DestinationRule for a host as Istio picks it for the proxy (own namespace, then the host's, then root; merged). */
  destinationRuleFor(proxy: ProxyScope, fqdn: string): ConfigObject<DestinationRuleSpec> | undefined;
  /** Gateways whose selector matches a router proxy's labels. */
  gatewaysFor(proxy: ProxyScope): ConfigObject<GatewaySpec>[];
  /** Endpoints of a service port, narrowed to a subset's labels. */
  instancesByPort(fqdn: string, port: number, subsetLabels?: Record<string, string>): ServiceInstance[];
  /** The service instances of the proxy's own workload (for inbound listeners and clusters). */
  proxyInstances(proxy: Pick<ProxyNode, 'namespace' | 'workloadName' | 'ipAddresses'>): ServiceInstance[];
  /** The tracing, metrics and access logs of one side (CLIENT or SERVER) of the proxy, from Telemetry resources. */
  telemetryFor(proxy: ProxyScope, mode: TelemetryMode): TelemetryPlan;
  /** The AuthorizationPolicies that apply to the proxy (root namespace, its namespace; selector or targetRef), by action. */
  authorizationPoliciesFor(proxy: ProxyScope): AuthorizationPolicies;
  /** The RequestAuthentications that apply to the proxy (root namespace, its namespace; selector or targetRef). */
  requestAuthenticationsFor(proxy: ProxyScope): RequestAuthentication[];
  /** A Kubernetes Secret's data (base64 values as in the object), for gateway credentialName. */
  secret(namespace: string, name: string): Record<string, string> | undefined;

  /**
   * Records that `obj` could not be translated and is left out, as istiod logs and skips such an
   * object; each object is recorded once per push, for the proxy being built (see buildingFor).
   */
  reportConfigError(obj: ConfigObject, err: unknown): void;
  /** The proxy whose config is being built from now on (its node id), named in what reportConfigError records. */
  buildingFor(proxyId: string): void;
  /** The objects this push has left out so far, and why. */
  configErrors(): ConfigError[];
}
