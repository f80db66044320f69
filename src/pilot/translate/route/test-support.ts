// Test doubles for the route translators: a small in-memory PushContext over given config and
// services, book-corpus loading (samples/book), and proxies as istiod would see them.
import type { RequestAuthentication } from '../../security/authn/request-authentications.js';
import { telemetryPlan, type TelemetryMode, type TelemetryPlan } from '../../telemetry/effective.js';
import { noAuthorizationPolicies, type AuthorizationPolicies } from '../../security/authz/policies.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ConfigObject } from '../../config/object.js';
import type { DestinationRuleSpec } from '../../config/kinds/destination-rule.js';
import type { GatewaySpec } from '../../config/kinds/gateway.js';
import type { SidecarSpec } from '../../config/kinds/sidecar.js';
import type { VirtualServiceSpec } from '../../config/kinds/virtual-service.js';
import { defaultMeshConfig, type MeshConfig } from '../../model/mesh-config.js';
import type { PushContext } from '../../model/push-context.js';
import { ConfigErrorLog, type ConfigError } from '../../model/config-errors.js';
import { proxyNodeId, type NodeType, type ProxyNode } from '../../model/proxy.js';
import type { Protocol } from '../../registry/protocol.js';
import type { Service, ServiceInstance } from '../../registry/model.js';
import { qualifyGateway } from './vs-routes.js';
import { PeerAuthenticationIndex } from '../../security/peer-authentication.js';
import { BOOK_DIR } from '../../../../samples/book-corpus.js';


/** The documents of a book corpus file, with `namespace` filled in where the file leaves it out. */
export function bookObjects(file: string, namespace = 'istioinaction'): ConfigObject[] {
  return parseAllDocuments(readFileSync(join(BOOK_DIR, file), 'utf8'))
    .map((d) => d.toJS() as ConfigObject | null)
    .filter((o): o is ConfigObject => o !== null && typeof o === 'object')
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? namespace } }));
}

export function service(name: string, namespace: string, ports: [number, Protocol?, string?][], addresses: string[] = []): Service {
  return {
    hostname: `${name}.${namespace}.svc.cluster.local`, namespace, name, addresses, resolution: 'ClientSideLB', meshExternal: false,
    exportTo: ['*'], labels: {}, selector: { app: name }, source: 'kubernetes',
    ports: ports.map(([port, protocol, pname]) => ({ port, protocol: protocol ?? 'HTTP', name: pname ?? `http-${port}` })),
  };
}

export function proxy(type: NodeType, namespace: string, labels: Record<string, string> = {}, httpProxyPort = 0): ProxyNode {
  return {
    id: proxyNodeId(type, '10.0.0.9', 'pod-1', namespace), type, ipAddresses: ['10.0.0.9'], namespace, workloadName: 'pod-1', labels,
    serviceAccount: 'default', bindAddress: '0.0.0.0', appAddress: '10.0.0.9', httpProxyPort, metadata: {},
  };
}

export interface FakeInput {
  services?: Service[];
  configs?: ConfigObject[];
  mesh?: Partial<MeshConfig>;
  /** The gateway workload's own service targets (servicePort -> port). */
  proxyInstances?: Pick<ServiceInstance, 'servicePort' | 'port'>[];
}

const created = (o: ConfigObject): string => o.metadata.creationTimestamp ?? '';
const nsOf = (o: ConfigObject): string => o.metadata.namespace ?? 'default';

/** All gateways a VS binds: spec.gateways (default mesh) plus the per-match ones, qualified. */
function vsGateways(vs: ConfigObject<VirtualServiceSpec>): string[] {
  const ns = nsOf(vs);
  const all = [...(vs.spec.gateways?.length ? vs.spec.gateways : ['mesh'])];
  for (const r of vs.spec.http ?? []) for (const m of r.match ?? []) all.push(...(m.gateways ?? []));
  return all.map((g) => qualifyGateway(g, ns));
}

/** A PushContext over fixed inputs; every proxy sees everything (no exportTo / Sidecar scoping). */
export class FakePushContext implements PushContext {
  readonly version = 'test';
  readonly mesh: MeshConfig;
  readonly peerAuthentication: PeerAuthenticationIndex;
  private readonly services: Service[];
  private readonly configs: ConfigObject[];
  private readonly instances: ServiceInstance[];

  constructor(input: FakeInput) {
    this.mesh = { ...defaultMeshConfig(), ...input.mesh };
    this.peerAuthentication = new PeerAuthenticationIndex([], this.mesh.rootNamespace);
    this.services = input.services ?? [];
    this.configs = [...(input.configs ?? [])].sort((a, b) => created(a).localeCompare(created(b)) || a.metadata.name.localeCompare(b.metadata.name));
    this.instances = (input.proxyInstances ?? []).map((i) => ({
      hostname: 'istio-ingressgateway.istio-system.svc.cluster.local', servicePortName: 'http', servicePort: i.servicePort, address: '10.0.0.9',
      port: i.port, labels: {}, locality: { region: '', zone: '', subzone: '' }, serviceAccount: '', identity: '', network: '', weight: 1,
      tlsMode: 'istio', healthy: true, workload: '',
    }));
  }

  private ofKind<S>(kind: string): ConfigObject<S>[] {
    return this.configs.filter((c) => c.kind === kind) as ConfigObject<S>[];
  }

  servicesFor(): Service[] { return this.services; }
  serviceFor(p: ProxyNode, host: string): Service | undefined {
    return this.services.find((s) => s.hostname === host || s.hostname === `${host}.${p.namespace}.svc.cluster.local`);
  }
  sidecarFor(p: ProxyNode): ConfigObject<SidecarSpec> | undefined {
    return this.ofKind<SidecarSpec>('Sidecar').find((s) => nsOf(s) === p.namespace);
  }
  virtualServicesFor(_p: ProxyNode, gateways: readonly string[]): ConfigObject<VirtualServiceSpec>[] {
    return this.ofKind<VirtualServiceSpec>('VirtualService').filter((vs) => (vs.spec.hosts?.length ?? 0) > 0 && vsGateways(vs).some((g) => gateways.includes(g)));
  }
  virtualService(namespace: string, name: string): ConfigObject<VirtualServiceSpec> | undefined {
    return this.ofKind<VirtualServiceSpec>('VirtualService').find((v) => nsOf(v) === namespace && v.metadata.name === name);
  }
  destinationRuleFor(_p: ProxyNode, fqdn: string): ConfigObject<DestinationRuleSpec> | undefined {
    return this.ofKind<DestinationRuleSpec>('DestinationRule').find((d) => d.spec.host === fqdn || `${d.spec.host}.${nsOf(d)}.svc.cluster.local` === fqdn);
  }
  telemetryFor(_proxy: ProxyNode, mode: TelemetryMode): TelemetryPlan { return telemetryPlan([], this.mesh, mode); }
  authorizationPoliciesFor(): AuthorizationPolicies { return noAuthorizationPolicies(); }
  requestAuthenticationsFor(): RequestAuthentication[] { return []; }
  gatewaysFor(p: ProxyNode): ConfigObject<GatewaySpec>[] {
    return this.ofKind<GatewaySpec>('Gateway').filter((g) => Object.entries(g.spec.selector ?? {}).every(([k, v]) => p.labels[k] === v));
  }
  instancesByPort(): ServiceInstance[] { return []; }
  proxyInstances(): ServiceInstance[] { return this.instances; }
  secret(): Record<string, string> | undefined { return undefined; }
  private readonly errors = new ConfigErrorLog('test');
  reportConfigError(obj: ConfigObject, err: unknown): void { this.errors.record(obj, '', err); }
  buildingFor(): void { /* errors name no proxy here */ }
  configErrors(): ConfigError[] { return this.errors.list(); }
}
