// Test support for the listener translator: a small in-memory PushContext, book YAML loading and
// Kubernetes TLS secrets made from PEM files (as `kubectl create secret tls|generic` would).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ConfigObject } from '../../config/object.js';
import type { GatewaySpec } from '../../config/kinds/gateway.js';
import type { SidecarSpec } from '../../config/kinds/sidecar.js';
import type { VirtualServiceSpec } from '../../config/kinds/virtual-service.js';
import type { TelemetrySpec } from '../../config/kinds/telemetry.js';
import { defaultMeshConfig, type MeshConfig } from '../../model/mesh-config.js';
import type { PushContext } from '../../model/push-context.js';
import { ConfigErrorLog } from '../../model/config-errors.js';
import { proxyNodeId, type NodeType, type ProxyNode } from '../../model/proxy.js';
import type { Service, ServiceInstance } from '../../registry/model.js';
import { telemetriesFor, telemetryPlan } from '../../telemetry/effective.js';
import { requestAuthenticationsFor, type RequestAuthentication } from '../../security/authn/request-authentications.js';
import { authorizationPoliciesFor, type AuthorizationPolicy } from '../../security/authz/policies.js';
import type { PeerAuthenticationSpec } from '../../config/kinds/peer-authentication.js';
import { PeerAuthenticationIndex } from '../../security/peer-authentication.js';
import { BOOK_DIR } from '../../../../samples/book-corpus.js';
import type { Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { allViewsIn } from '../../model/proxy-views.js';
import { buildListeners, type GatewayBuildIssue } from './index.js';

export const BOOK = BOOK_DIR;

/** The config objects of a book YAML file; objects without a namespace get `namespace`. */
export function loadBook(rel: string, namespace: string): ConfigObject[] {
  return parseAllDocuments(readFileSync(join(BOOK, rel), 'utf8')).map((d) => d.toJS() as ConfigObject | null)
    .filter((o): o is ConfigObject => o !== null && typeof o === 'object')
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? namespace } }));
}

/** Secret data as `kubectl create secret tls <name> --key --cert` stores it (base64 values). */
export function tlsSecretData(certFile: string, keyFile: string, caFile?: string): Record<string, string> {
  const b64 = (f: string): string => readFileSync(join(BOOK, f)).toString('base64');
  const data: Record<string, string> = { 'tls.crt': b64(certFile), 'tls.key': b64(keyFile) };
  if (caFile !== undefined) data['ca.crt'] = b64(caFile);
  return data;
}

export function fakeProxy(type: NodeType, namespace: string, overrides: Partial<ProxyNode> = {}): ProxyNode {
  return {
    id: proxyNodeId(type, '10.0.0.1', `${type}-0`, namespace), type, ipAddresses: ['10.0.0.1'], namespace,
    workloadName: `${type}-0`, labels: type === 'router' ? { istio: 'ingressgateway' } : { app: 'web' },
    serviceAccount: 'default', bindAddress: '0.0.0.0', appAddress: '127.0.0.1', httpProxyPort: 0, metadata: {},
    ...overrides,
  };
}

export function fakeService(hostname: string, namespace: string, ports: Service['ports'], addresses: string[] = []): Service {
  return {
    hostname, namespace, name: hostname.split('.')[0], ports, addresses, resolution: 'ClientSideLB', meshExternal: false,
    exportTo: ['*'], labels: {}, source: 'kubernetes',
  };
}

export function fakeInstance(hostname: string, servicePortName: string, servicePort: number, port: number): ServiceInstance {
  return {
    hostname, servicePortName, servicePort, address: '10.0.0.1', port, labels: {}, locality: { region: '', zone: '', subzone: '' },
    serviceAccount: 'default', identity: '', network: '', weight: 1, tlsMode: 'istio', healthy: true, workload: 'Pod/ns/p',
  };
}

/** What the fake is made of. */
export interface FakePushInput {
  mesh?: Partial<MeshConfig>;
  services?: Service[];
  /** The proxy's own instances (all proxies of the test share them). */
  proxyInstances?: ServiceInstance[];
  configs?: ConfigObject[];
  /** `<namespace>/<name>` -> secret data. */
  secrets?: Record<string, Record<string, string>>;
}

/** A PushContext over plain lists: no exportTo or Sidecar egress scoping, gateways selected by labels. */
export function fakePush(input: FakePushInput): PushContext {
  const services = input.services ?? [];
  const configs = input.configs ?? [];
  const ofKind = <S>(kind: string): ConfigObject<S>[] => configs.filter((c) => c.kind === kind) as ConfigObject<S>[];
  const matches = (sel: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
    Object.entries(sel ?? {}).every(([k, v]) => labels[k] === v);
  const qualify = (gw: string, ns: string): string => (gw.includes('/') ? gw : `${ns}/${gw}`);
  const mesh = { ...defaultMeshConfig(), ...input.mesh };
  const errors = new ConfigErrorLog('1');
  return {
    version: '1',
    mesh,
    peerAuthentication: new PeerAuthenticationIndex(ofKind<PeerAuthenticationSpec>('PeerAuthentication'), mesh.rootNamespace),
    servicesFor: () => services,
    serviceFor: (proxy, host) => services.find((s) => s.hostname === host || s.hostname === `${host}.${proxy.namespace}.svc.cluster.local`),
    sidecarFor: (proxy) => ofKind<SidecarSpec>('Sidecar').find((s) => s.metadata.namespace === proxy.namespace),
    virtualServicesFor: (_proxy, gateways) => ofKind<VirtualServiceSpec>('VirtualService').filter((vs) =>
      (vs.spec.gateways ?? ['mesh']).some((g) => gateways.includes(g === 'mesh' ? g : qualify(g, vs.metadata.namespace ?? '')))),
    virtualService: (ns, name) => ofKind<VirtualServiceSpec>('VirtualService').find((v) => v.metadata.namespace === ns && v.metadata.name === name),
    destinationRuleFor: () => undefined,
    gatewaysFor: (proxy) => ofKind<GatewaySpec>('Gateway').filter((g) => matches(g.spec.selector, proxy.labels)),
    instancesByPort: () => [],
    proxyInstances: () => input.proxyInstances ?? [],
    secret: (ns, name) => input.secrets?.[`${ns}/${name}`],
    telemetryFor: (proxy, mode) => telemetryPlan(telemetriesFor(ofKind<TelemetrySpec>('Telemetry'), proxy, mesh.rootNamespace), mesh, mode),
    reportConfigError: (obj, err) => errors.record(obj, '', err),
    buildingFor: () => undefined,
    configErrors: () => errors.list(),
    authorizationPoliciesFor: (proxy) => authorizationPoliciesFor(configs.filter((c): c is AuthorizationPolicy => c.kind === 'AuthorizationPolicy'), proxy, mesh.rootNamespace),
    requestAuthenticationsFor: (proxy) => requestAuthenticationsFor(configs.filter((c): c is RequestAuthentication => c.kind === 'RequestAuthentication'), proxy, mesh.rootNamespace),
  };
}

/** The listeners of `node` (its views taken from `push`, as the generator takes them). */
export function buildListenersOf(push: PushContext, node: ProxyNode, issues?: GatewayBuildIssue[]): Listener[] {
  return buildListeners(push, allViewsIn(push, node), issues);
}
