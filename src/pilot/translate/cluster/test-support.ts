// Test helpers: a small in-memory PushContext (services, instances, DestinationRules), a sidecar
// ProxyNode, the book corpus location (samples/book) and YAML loading.
import type { RequestAuthentication } from '../../security/authn/request-authentications.js';
import { telemetryPlan, type TelemetryMode, type TelemetryPlan } from '../../telemetry/effective.js';
import { noAuthorizationPolicies, type AuthorizationPolicies } from '../../security/authz/policies.js';
import type { PeerAuthenticationSpec } from '../../config/kinds/peer-authentication.js';
import { PeerAuthenticationIndex } from '../../security/peer-authentication.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { DestinationRuleSpec } from '../../config/kinds/destination-rule.js';
import type { ConfigObject } from '../../config/object.js';
import { defaultMeshConfig, type MeshConfig } from '../../model/mesh-config.js';
import type { ProxyNode } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { ConfigErrorLog, type ConfigError } from '../../model/config-errors.js';
import type { KubeObject } from '../../registry/input.js';
import type { Service, ServiceInstance } from '../../registry/model.js';
import { ServiceRegistry } from '../../registry/registry.js';
import { BOOK_DIR } from '../../../../samples/book-corpus.js';
import type { Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { allViewsIn } from '../../model/proxy-views.js';
import { buildClusters } from './clusters.js';
import type { ClusterBuildOptions } from './outbound.js';

export const BOOK = BOOK_DIR;

export function readYaml<T = unknown>(file: string): ConfigObject<T>[] {
  return parseAllDocuments(readFileSync(join(BOOK, file), 'utf8'))
    .map((d) => d.toJS() as ConfigObject<T> | null).filter((o): o is ConfigObject<T> => !!o && !!o.kind);
}

const fqdn = (host: string, ns: string): string => (host.includes('.') ? host : `${host}.${ns}.svc.cluster.local`);

export class FakePush implements PushContext {
  readonly version = 'test';
  readonly mesh: MeshConfig;
  readonly peerAuthentication: PeerAuthenticationIndex;
  constructor(readonly services: Service[], readonly instances: ServiceInstance[],
    readonly rules: ConfigObject<DestinationRuleSpec>[] = [], mesh: Partial<MeshConfig> = {},
    peerAuthentications: ConfigObject<PeerAuthenticationSpec>[] = []) {
    this.mesh = { ...defaultMeshConfig(), ...mesh };
    this.peerAuthentication = new PeerAuthenticationIndex(peerAuthentications, this.mesh.rootNamespace);
  }
  servicesFor(): Service[] { return this.services; }
  serviceFor(proxy: ProxyNode, host: string): Service | undefined {
    return this.services.find((s) => s.hostname === host || s.hostname === fqdn(host, proxy.namespace));
  }
  sidecarFor() { return undefined; }
  virtualServicesFor() { return []; }
  virtualService() { return undefined; }
  destinationRuleFor(_proxy: ProxyNode, host: string): ConfigObject<DestinationRuleSpec> | undefined {
    return this.rules.find((r) => fqdn(r.spec.host, r.metadata.namespace ?? 'default') === host);
  }
  gatewaysFor() { return []; }
  telemetryFor(_proxy: ProxyNode, mode: TelemetryMode): TelemetryPlan { return telemetryPlan([], this.mesh, mode); }
  authorizationPoliciesFor(): AuthorizationPolicies { return noAuthorizationPolicies(); }
  requestAuthenticationsFor(): RequestAuthentication[] { return []; }
  instancesByPort(host: string, port: number, labels: Record<string, string> = {}): ServiceInstance[] {
    return this.instances.filter((i) => i.hostname === host && i.servicePort === port
      && Object.entries(labels).every(([k, v]) => i.labels[k] === v));
  }
  proxyInstances(proxy: ProxyNode): ServiceInstance[] {
    return this.instances.filter((i) => proxy.ipAddresses.includes(i.address));
  }
  secret() { return undefined; }
  private readonly errors = new ConfigErrorLog('test');
  reportConfigError(obj: ConfigObject, err: unknown): void { this.errors.record(obj, '', err); }
  buildingFor(): void { /* errors name no proxy here */ }
  configErrors(): ConfigError[] { return this.errors.list(); }
}

export function sidecar(over: Partial<ProxyNode> = {}): ProxyNode {
  return {
    id: 'sidecar~10.0.0.9~webapp-1.istioinaction~istioinaction.svc.cluster.local', type: 'sidecar', ipAddresses: ['10.0.0.9'],
    namespace: 'istioinaction', workloadName: 'webapp-1', labels: { app: 'webapp' }, serviceAccount: 'webapp',
    bindAddress: '0.0.0.0', appAddress: '127.0.0.1', httpProxyPort: 0, metadata: {}, ...over,
  };
}

export function service(name: string, ns: string, over: Partial<Service> = {}): Service {
  return {
    hostname: `${name}.${ns}.svc.cluster.local`, namespace: ns, name, ports: [{ name: 'http', port: 80, targetPort: 3000, protocol: 'HTTP' }],
    addresses: ['10.96.0.10'], resolution: 'ClientSideLB', meshExternal: false, exportTo: ['*'], labels: { app: name },
    selector: { app: name }, source: 'kubernetes', ...over,
  };
}

export function instance(svc: Service, address: string, labels: Record<string, string>, over: Partial<ServiceInstance> = {}): ServiceInstance {
  const name = `${svc.name}-${labels.version ?? 'x'}`;
  return {
    hostname: svc.hostname, servicePortName: svc.ports[0].name, servicePort: svc.ports[0].port, address,
    port: Number(svc.ports[0].targetPort ?? svc.ports[0].port), labels: { app: svc.name, ...labels },
    locality: { region: '', zone: '', subzone: '' }, serviceAccount: svc.name,
    identity: `spiffe://cluster.local/ns/${svc.namespace}/sa/${svc.name}`, network: '', weight: 0, tlsMode: 'istio', healthy: true,
    workload: `Pod/${svc.namespace}/${name}`, ...over,
  };
}

export function dr(name: string, ns: string, spec: DestinationRuleSpec): ConfigObject<DestinationRuleSpec> {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: ns }, spec };
}

/** The catalog service of the book with v1 and v2 pods. */
export function catalogMesh(rules: ConfigObject<DestinationRuleSpec>[] = [], mesh: Partial<MeshConfig> = {}): FakePush {
  const catalog = service('catalog', 'istioinaction');
  return new FakePush([catalog], [
    instance(catalog, '10.0.1.1', { version: 'v1' }), instance(catalog, '10.0.1.2', { version: 'v2' }),
  ], rules, mesh);
}

/** A push over what the registry makes of `objects` (Services, Deployments, ServiceEntries ...). */
export function pushFromRegistry(objects: KubeObject[], rules: ConfigObject<DestinationRuleSpec>[] = []): FakePush {
  const reg = new ServiceRegistry({ defaultNamespace: 'istioinaction' });
  reg.upsertAll(objects);
  const services = reg.services();
  return new FakePush(services, services.flatMap((s) => reg.instances(s.hostname, s.namespace)), rules);
}

/** The clusters of `node` (its views taken from `push`, as the generator takes them). */
export function buildClustersOf(push: PushContext, node: ProxyNode, opts: ClusterBuildOptions = {}): Cluster[] {
  return buildClusters(push, allViewsIn(push, node), opts);
}
