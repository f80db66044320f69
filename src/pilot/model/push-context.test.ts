// The push context's per-proxy scoping: Sidecar egress hosts, VirtualService gateway binding and
// exportTo, DestinationRule choice (proxy namespace, then the service's), gateway selection, own instances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigObject } from '../config/object.js';
import { ServiceRegistry } from '../registry/registry.js';
import { parseObjects } from '../registry/test-support.js';
import { buildPushContext } from './build-push-context.js';
import { defaultMeshConfig } from './mesh-config.js';
import type { ProxyNode } from './proxy.js';

const objects = parseObjects(`
apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: istioinaction }
spec: { selector: { app: catalog }, ports: [{ name: http, port: 80, targetPort: 3000 }] }
---
apiVersion: v1
kind: Service
metadata: { name: webapp, namespace: istioinaction }
spec: { selector: { app: webapp }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: billing, namespace: finance }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: catalog, namespace: istioinaction }
spec:
  replicas: 1
  selector: { matchLabels: { app: catalog } }
  template:
    metadata: { labels: { app: catalog, version: v1 } }
    spec: { containers: [{ name: catalog, image: istioinaction/catalog:latest, ports: [{ containerPort: 3000 }] }] }
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: catalog, namespace: istioinaction, creationTimestamp: "2026-01-01T00:00:00Z" }
spec: { hosts: [catalog], http: [{ route: [{ destination: { host: catalog, subset: v1 } }] }] }
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: webapp-gw, namespace: istioinaction, creationTimestamp: "2026-01-02T00:00:00Z" }
spec: { hosts: ["*"], gateways: [coolstore-gateway], http: [{ route: [{ destination: { host: webapp } }] }] }
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: private, namespace: finance }
spec: { hosts: [billing], exportTo: ["."], http: [{ route: [{ destination: { host: billing } }] }] }
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: { name: catalog, namespace: istioinaction }
spec: { host: catalog, subsets: [{ name: v1, labels: { version: v1 } }] }
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: { name: catalog-local, namespace: finance }
spec: { host: catalog.istioinaction.svc.cluster.local, trafficPolicy: { loadBalancer: { simple: RANDOM } } }
---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: { name: coolstore-gateway, namespace: istioinaction }
spec: { selector: { istio: ingressgateway }, servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }] }
---
apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: { name: default, namespace: finance }
spec: { egress: [{ hosts: ["./*"] }] }
`) as unknown as ConfigObject[];

const proxy = (p: Partial<ProxyNode>): ProxyNode => ({
  id: 'sidecar~127.0.0.9~x.istioinaction~istioinaction.svc.cluster.local', type: 'sidecar', ipAddresses: ['127.0.0.9'],
  namespace: 'istioinaction', workloadName: 'x', labels: {}, serviceAccount: '', bindAddress: '127.0.0.9',
  appAddress: '127.0.0.9', httpProxyPort: 0, metadata: {}, ...p,
});

const registry = new ServiceRegistry();
registry.upsertAll(objects as never);
const push = buildPushContext({ version: 'v1', mesh: defaultMeshConfig(), configs: objects, registry });

test('a namespace Sidecar with egress ./* limits services and VirtualServices to its namespace', () => {
  const fin = proxy({ namespace: 'finance' });
  assert.deepEqual(push.servicesFor(fin).map((s) => s.hostname), ['billing.finance.svc.cluster.local']);
  assert.deepEqual(push.virtualServicesFor(fin, ['mesh']).map((v) => v.metadata.name), ['private']);
  const web = proxy({});
  assert.deepEqual(push.servicesFor(web).map((s) => s.hostname),
    ['billing.finance.svc.cluster.local', 'catalog.istioinaction.svc.cluster.local', 'webapp.istioinaction.svc.cluster.local']);
});

test('VirtualServices bind to mesh or their gateways, and exportTo "." hides them elsewhere', () => {
  const web = proxy({});
  assert.deepEqual(push.virtualServicesFor(web, ['mesh']).map((v) => v.metadata.name), ['catalog']);
  assert.deepEqual(push.virtualServicesFor(web, ['istioinaction/coolstore-gateway']).map((v) => v.metadata.name), ['webapp-gw']);
});

test("the proxy's own namespace DestinationRule wins over the service namespace's", () => {
  assert.equal(push.destinationRuleFor(proxy({}), 'catalog.istioinaction.svc.cluster.local')?.metadata.name, 'catalog');
  assert.equal(push.destinationRuleFor(proxy({ namespace: 'finance' }), 'catalog.istioinaction.svc.cluster.local')?.metadata.name, 'catalog-local');
  assert.equal(push.destinationRuleFor(proxy({}), 'webapp.istioinaction.svc.cluster.local'), undefined);
});

test('gateways select routers by labels; a pod proxy finds its own service instances', () => {
  assert.deepEqual(push.gatewaysFor(proxy({ type: 'router', labels: { istio: 'ingressgateway' } })).map((g) => g.metadata.name), ['coolstore-gateway']);
  assert.deepEqual(push.gatewaysFor(proxy({ type: 'router', labels: { istio: 'egressgateway' } })), []);
  assert.deepEqual(push.proxyInstances(proxy({})), []);
  const pod = registry.instances('catalog.istioinaction.svc.cluster.local')[0];
  assert.ok(pod, 'the catalog deployment has a pod');
  const name = pod.workload.split('/')[2];
  const mine = push.proxyInstances(proxy({ workloadName: name, ipAddresses: [pod.address] }));
  assert.deepEqual(mine.map((i) => `${i.hostname}:${i.servicePort}->${i.port}`), ['catalog.istioinaction.svc.cluster.local:80->3000']);
});
