// What a generated piece read of a push context (istiod's DependentConfigs, recorded rather than
// declared) and what changed since the push it was built in, so a piece is kept across pushes unless a change touches it.
import type { ConfigObject } from '../config/object.js';
import type { DestinationRuleSpec } from '../config/kinds/destination-rule.js';
import type { GatewaySpec } from '../config/kinds/gateway.js';
import type { SidecarSpec } from '../config/kinds/sidecar.js';
import type { VirtualServiceSpec } from '../config/kinds/virtual-service.js';
import type { ConfigError } from '../model/config-errors.js';
import type { MeshConfig } from '../model/mesh-config.js';
import type { ProxyNode } from '../model/proxy.js';
import type { ProxyScope } from '../model/proxy-views.js';
import type { PushContext } from '../model/push-context.js';
import type { Service, ServiceInstance } from '../registry/model.js';
import type { AuthorizationPolicies } from '../security/authz/policies.js';
import type { RequestAuthentication } from '../security/authn/request-authentications.js';
import type { PeerAuthenticationIndex } from '../security/peer-authentication.js';
import type { TelemetryMode, TelemetryPlan } from '../telemetry/effective.js';

/** What changed between two push contexts. */
export interface ChangeSet {
  /** Anything may have changed (mesh config, a kind nothing tracks, a new proxy's first build): nothing is kept. */
  all: boolean;
  /** Istio config kinds with an object added, changed or removed (VirtualService, DestinationRule...). */
  kinds: Set<string>;
  /** Hostnames whose service was added, removed or changed (its ports, its visibility). */
  services: Set<string>;
  /** Hostnames whose endpoints changed. */
  endpoints: Set<string>;
}

export const noChange = (): ChangeSet => ({ all: false, kinds: new Set(), services: new Set(), endpoints: new Set() });
export const everythingChanged = (): ChangeSet => ({ ...noChange(), all: true });

/** Adds `b` to `a`. */
export function mergeChanges(a: ChangeSet, b: ChangeSet): void {
  a.all ||= b.all;
  for (const k of b.kinds) a.kinds.add(k);
  for (const h of b.services) a.services.add(h);
  for (const h of b.endpoints) a.endpoints.add(h);
}

/** What one piece read: kinds looked up, whether it listed a proxy's visible services, the services and endpoints it named. */
export interface Dependencies {
  kinds: Set<string>;
  serviceList: boolean;
  services: Set<string>;
  endpoints: Set<string>;
}

export const noDependencies = (): Dependencies => ({ kinds: new Set(), serviceList: false, services: new Set(), endpoints: new Set() });

/** Whether a piece that read `deps` may differ after `change`. */
export function affectedBy(deps: Dependencies, change: ChangeSet): boolean {
  if (change.all) return true;
  for (const k of deps.kinds) if (change.kinds.has(k)) return true;
  if (change.services.size > 0 && deps.serviceList) return true;
  for (const h of deps.services) if (change.services.has(h)) return true;
  for (const h of deps.endpoints) if (change.endpoints.has(h) || change.services.has(h)) return true;
  return false;
}

/**
 * A push context that records into `deps` what is read through it. A service looked up by name counts
 * by the hostname found; a name that finds none counts as a read of the whole service list.
 */
export class TrackedPush implements PushContext {
  readonly deps: Dependencies = noDependencies();

  constructor(private readonly inner: PushContext) {}

  get version(): string { return this.inner.version; }
  get mesh(): MeshConfig { return this.inner.mesh; }
  get peerAuthentication(): PeerAuthenticationIndex {
    this.deps.kinds.add('PeerAuthentication');
    return this.inner.peerAuthentication;
  }

  servicesFor(proxy: ProxyScope): Service[] {
    this.deps.serviceList = true;
    this.deps.kinds.add('Sidecar');
    return this.inner.servicesFor(proxy);
  }

  serviceFor(proxy: ProxyScope, host: string): Service | undefined {
    this.deps.kinds.add('Sidecar');
    const svc = this.inner.serviceFor(proxy, host);
    // A name that finds nothing could find a service added later.
    if (svc === undefined) this.deps.serviceList = true;
    else this.deps.services.add(svc.hostname);
    return svc;
  }

  sidecarFor(proxy: ProxyScope): ConfigObject<SidecarSpec> | undefined {
    this.deps.kinds.add('Sidecar');
    return this.inner.sidecarFor(proxy);
  }

  virtualServicesFor(proxy: ProxyScope, gateways: readonly string[]): ConfigObject<VirtualServiceSpec>[] {
    this.deps.kinds.add('VirtualService').add('Sidecar');
    return this.inner.virtualServicesFor(proxy, gateways);
  }

  virtualService(namespace: string, name: string): ConfigObject<VirtualServiceSpec> | undefined {
    this.deps.kinds.add('VirtualService');
    return this.inner.virtualService(namespace, name);
  }

  destinationRuleFor(proxy: ProxyScope, fqdn: string): ConfigObject<DestinationRuleSpec> | undefined {
    this.deps.kinds.add('DestinationRule');
    // Which rule applies depends on the service's namespace too.
    this.deps.services.add(fqdn);
    return this.inner.destinationRuleFor(proxy, fqdn);
  }

  gatewaysFor(proxy: ProxyScope): ConfigObject<GatewaySpec>[] {
    this.deps.kinds.add('Gateway');
    return this.inner.gatewaysFor(proxy);
  }

  instancesByPort(fqdn: string, port: number, subsetLabels?: Record<string, string>): ServiceInstance[] {
    this.deps.endpoints.add(fqdn);
    return this.inner.instancesByPort(fqdn, port, subsetLabels);
  }

  proxyInstances(proxy: Pick<ProxyNode, 'namespace' | 'workloadName' | 'ipAddresses'>): ServiceInstance[] {
    // Any workload's change can make it one of the proxy's own.
    this.deps.kinds.add('*workloads');
    return this.inner.proxyInstances(proxy);
  }

  telemetryFor(proxy: ProxyScope, mode: TelemetryMode): TelemetryPlan {
    this.deps.kinds.add('Telemetry');
    return this.inner.telemetryFor(proxy, mode);
  }

  authorizationPoliciesFor(proxy: ProxyScope): AuthorizationPolicies {
    this.deps.kinds.add('AuthorizationPolicy');
    return this.inner.authorizationPoliciesFor(proxy);
  }

  requestAuthenticationsFor(proxy: ProxyScope): RequestAuthentication[] {
    this.deps.kinds.add('RequestAuthentication');
    return this.inner.requestAuthenticationsFor(proxy);
  }

  secret(namespace: string, name: string): Record<string, string> | undefined {
    this.deps.kinds.add('Secret');
    return this.inner.secret(namespace, name);
  }

  reportConfigError(obj: ConfigObject, err: unknown): void { this.inner.reportConfigError(obj, err); }
  buildingFor(proxyId: string): void { this.inner.buildingFor(proxyId); }
  configErrors(): ConfigError[] { return this.inner.configErrors(); }
}
