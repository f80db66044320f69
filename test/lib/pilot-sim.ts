// A mesh built from the book's unmodified config files plus the demo services and the istio-system
// ingress gateway, with proxies for its pods and their generated xDS (LDS/RDS/CDS/EDS) for simulation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigObject } from '../../src/pilot/config/object.js';
import { loadConfigText } from '../../src/pilot/config/yaml-loader.js';
import { buildPushContext } from '../../src/pilot/model/build-push-context.js';
import { defaultMeshConfig, type MeshConfig } from '../../src/pilot/model/mesh-config.js';
import { proxyNodeId, type ProxyNode } from '../../src/pilot/model/proxy.js';
import { allViewsIn } from '../../src/pilot/model/proxy-views.js';
import type { PushContext } from '../../src/pilot/model/push-context.js';
import { ServiceRegistry } from '../../src/pilot/registry/registry.js';
import type { ServiceInstance } from '../../src/pilot/registry/model.js';
import { describe, simulate, type Call, type ProxyConfig, type SimulationResult } from '../../src/pilot/simulation/index.js';
import { buildClusters } from '../../src/pilot/translate/cluster/index.js';
import { buildEndpoints } from '../../src/pilot/translate/endpoint/index.js';
import { buildListeners } from '../../src/pilot/translate/listener/index.js';
import { buildRouteConfigurations } from '../../src/pilot/translate/route/index.js';
import type { Route, RouteAction } from '../../src/xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { ClusterLoadAssignment } from '../../src/xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { BOOK_DIR } from '../../samples/book-corpus.js';

/** The book's corpus (samples/book). */
export const BOOK = BOOK_DIR;

/** The demo services' manifests (Service + Deployment each), as the book deploys them. */
export const DEMO_SERVICES = [
  'services/catalog/kubernetes/catalog.yaml',
  'services/webapp/kubernetes/webapp.yaml',
  'services/forum/kubernetes/forum-all.yaml',
];

/** The ingress gateway Service: ports 80->8080 and 443->8443, plus `extraPorts` (YAML flow maps). */
export const gatewayServiceYaml = (extraPorts: readonly string[] = []): string => `
apiVersion: v1
kind: Service
metadata: { name: istio-ingressgateway, namespace: istio-system, labels: { app: istio-ingressgateway, istio: ingressgateway } }
spec:
  selector: { istio: ingressgateway }
  ports:
  - { name: http2, port: 80, targetPort: 8080, protocol: TCP }
  - { name: https, port: 443, targetPort: 8443, protocol: TCP }
${extraPorts.map((p) => `  - ${p}\n`).join('')}`;

/** istioctl's default ingress gateway: its Service and one pod with a pod IP. */
export const INGRESS_GATEWAY = `${gatewayServiceYaml()}
---
apiVersion: v1
kind: Pod
metadata:
  name: istio-ingressgateway-5d8f9c7b6-abcde
  namespace: istio-system
  labels: { app: istio-ingressgateway, istio: ingressgateway }
spec:
  serviceAccountName: istio-ingressgateway-service-account
  containers: [{ name: istio-proxy, image: istio/proxyv2, ports: [{ containerPort: 8080 }, { containerPort: 8443 }] }]
status: { podIP: 10.244.0.5, phase: Running }
`;

export interface Mesh {
  readonly objects: readonly ConfigObject[];
  readonly registry: ServiceRegistry;
  readonly push: PushContext;
  /** A sidecar proxy for a pod of workload `app` (label app=<app>) in `ns` (default istioinaction). */
  sidecar(app: string, ns?: string): ProxyNode;
  /** The istio-system ingress gateway's proxy. */
  gateway(): ProxyNode;
  /** The proxy's xDS: listeners, routes, clusters, and the assignments of its EDS clusters. */
  configFor(proxy: ProxyNode): ProxyConfig;
}

function load(text: string, file: string): ConfigObject[] {
  const { objects, errors } = loadConfigText(text, file);
  if (errors.length > 0) throw new Error(`${file}: ${errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('; ')}`);
  // The book applies its files with -n istioinaction.
  return objects.map((o) => (o.metadata.namespace ? o : { ...o, metadata: { ...o.metadata, namespace: 'istioinaction' } }));
}

/** Loads the book files (paths relative to the corpus), the demo services, the ingress gateway and `extra`. */
export function meshOf(files: readonly string[], extra = '', meshConfig: Partial<MeshConfig> = {}): Mesh {
  const objects: ConfigObject[] = [];
  for (const f of [...DEMO_SERVICES, ...files]) objects.push(...load(readFileSync(join(BOOK, f), 'utf8'), f));
  objects.push(...load(INGRESS_GATEWAY, 'ingress-gateway'));
  if (extra.trim() !== '') objects.push(...load(extra, 'extra'));
  const registry = new ServiceRegistry();
  registry.upsertAll(objects as never);
  const push = buildPushContext({ version: 'sim', mesh: { ...defaultMeshConfig(), ...meshConfig }, configs: objects, registry });

  const podOf = (match: (i: ServiceInstance) => boolean, what: string): ServiceInstance => {
    for (const svc of registry.services()) {
      const found = registry.instances(svc.hostname, svc.namespace).find(match);
      if (found) return found;
    }
    throw new Error(`no pod for ${what}`);
  };
  const node = (type: 'sidecar' | 'router', inst: ServiceInstance, ns: string): ProxyNode => {
    const name = inst.workload.split('/').pop() ?? 'pod';
    return {
      id: proxyNodeId(type, inst.address, name, ns), type, ipAddresses: [inst.address], namespace: ns,
      workloadName: name, labels: { ...inst.labels }, serviceAccount: inst.serviceAccount, bindAddress: '0.0.0.0',
      appAddress: inst.address, httpProxyPort: 0, metadata: {},
    };
  };
  return {
    objects, registry, push,
    sidecar: (app, ns = 'istioinaction') =>
      node('sidecar', podOf((i) => i.labels['app'] === app && i.workload.split('/')[1] === ns, `${ns}/${app}`), ns),
    gateway: () => node('router', podOf((i) => i.labels['istio'] === 'ingressgateway', 'ingress gateway'), 'istio-system'),
    configFor: (node) => {
      const proxy = allViewsIn(push, node);
      const clusters = buildClusters(push, proxy);
      const endpoints: ClusterLoadAssignment[] = [];
      for (const c of clusters) {
        if (c.clusterDiscoveryType.case !== 'type' || c.clusterDiscoveryType.value !== 3 /* EDS */) continue;
        const cla = buildEndpoints(push, proxy, c.edsClusterConfig?.serviceName || c.name);
        if (cla) endpoints.push(cla);
      }
      return { listeners: buildListeners(push, proxy), routes: buildRouteConfigurations(push, proxy), clusters, endpoints };
    },
  };
}

/** Simulates `call` through `config` and asserts each field of `want`, naming the call's path on failure. */
export function expectCall(config: ProxyConfig, call: Call, want: Partial<SimulationResult>): SimulationResult {
  const r = simulate(config, call);
  for (const [k, v] of Object.entries(want)) {
    assert.deepEqual(r[k as keyof SimulationResult], v, `${k}: ${describe(r, call)}`);
  }
  return r;
}

/** The route a call matched, looked up by route config, virtual host and route name in the generated RDS. */
export function routeOf(config: ProxyConfig, r: SimulationResult): Route {
  const rc = config.routes.find((c) => c.name === r.routeConfig);
  const vh = rc?.virtualHosts.find((v) => v.name === r.virtualHost);
  const route = vh?.routes.find((x) => x.name === (r.route ?? ''));
  assert.ok(route, `no route ${r.routeConfig}/${r.virtualHost}/${r.route}`);
  return route;
}

/** The route's RouteAction (fails when the route is not a forwarding route). */
export function routeActionOf(config: ProxyConfig, r: SimulationResult): RouteAction {
  const a = routeOf(config, r).action;
  assert.equal(a.case, 'route', `route action is ${a.case}`);
  return a.value as RouteAction;
}
