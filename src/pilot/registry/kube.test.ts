// The book's demo services (services/ and ch2) through the Kubernetes conversion: hostnames,
// ports, protocols, per-replica endpoints, identities; headless, ExternalName, named targetPorts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRegistry } from './registry.js';
import { parseObjects, readBook } from './test-support.js';

const bookRegistry = (): ServiceRegistry => {
  const r = new ServiceRegistry({ defaultNamespace: 'istioinaction' });
  r.upsertAll(readBook(
    'services/catalog/kubernetes/catalog.yaml',
    'services/catalog/kubernetes/catalog-deployment-v2.yaml',
    'services/webapp/kubernetes/webapp.yaml',
    'services/forum/kubernetes/forum-all.yaml',
  ));
  return r;
};

test('book services: catalog, webapp, forum in istioinaction with http port 80', () => {
  const r = bookRegistry();
  assert.deepEqual(r.services().map((s) => s.hostname), [
    'catalog.istioinaction.svc.cluster.local', 'forum.istioinaction.svc.cluster.local',
    'webapp.istioinaction.svc.cluster.local',
  ]);
  for (const s of r.services()) {
    assert.equal(s.namespace, 'istioinaction');
    assert.deepEqual(s.ports.map((p) => [p.name, p.port, p.protocol]), [['http', 80, 'HTTP']]);
    assert.equal(s.resolution, 'ClientSideLB');
    assert.equal(s.source, 'kubernetes');
    assert.deepEqual(s.exportTo, ['*']);
  }
});

test('book services: one endpoint per replica, target ports, identities, version labels', () => {
  const r = bookRegistry();
  const catalog = r.instancesByPort('catalog.istioinaction.svc.cluster.local', 80);
  assert.equal(catalog.length, 2); // catalog v1 + catalog-v2, one replica each
  assert.deepEqual(catalog.map((i) => i.port), [3000, 3000]);
  assert.deepEqual(catalog.map((i) => i.labels.version).sort(), ['v1', 'v2']);
  const v1 = catalog.find((i) => i.labels.version === 'v1')!;
  const v2 = catalog.find((i) => i.labels.version === 'v2')!;
  assert.equal(v1.identity, 'spiffe://cluster.local/ns/istioinaction/sa/catalog');
  // catalog-v2's template names no service account
  assert.equal(v2.identity, 'spiffe://cluster.local/ns/istioinaction/sa/default');
  assert.equal(v1.tlsMode, 'istio');
  assert.notEqual(v1.address, v2.address);
  for (const i of catalog) assert.match(i.address, /^127\.\d+\.\d+\.\d+$/);
  assert.ok(catalog.every((i) => i.address !== '127.0.0.1'));

  const subset = r.instancesByPort('catalog.istioinaction.svc.cluster.local', 80, { version: 'v2' });
  assert.deepEqual(subset.map((i) => i.workload), ['Pod/istioinaction/catalog-v2-0']);
  assert.equal(r.instancesByPort('catalog.istioinaction.svc.cluster.local', 81).length, 0);

  const webapp = r.instances('webapp.istioinaction.svc.cluster.local');
  assert.deepEqual(webapp.map((i) => [i.port, i.identity]), [[8080, 'spiffe://cluster.local/ns/istioinaction/sa/webapp']]);
  const forum = r.instances('forum.istioinaction.svc.cluster.local');
  assert.deepEqual(forum.map((i) => [i.port, i.labels.version]), [[8080, 'v1']]);
});

test('replicas: N pods, distinct loopback addresses, stable across rebuilds', () => {
  const r = new ServiceRegistry();
  r.upsertAll(parseObjects(`
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ name: grpc, port: 9000, targetPort: rpc }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  replicas: 3
  template:
    metadata: { labels: { app: api, topology.kubernetes.io/region: eu, topology.kubernetes.io/zone: eu-1 } }
    spec: { containers: [{ name: a, ports: [{ name: rpc, containerPort: 7070 }] }] }
`));
  const ins = r.instances('api.shop.svc.cluster.local');
  assert.equal(ins.length, 3);
  assert.equal(new Set(ins.map((i) => i.address)).size, 3);
  assert.deepEqual(ins.map((i) => i.port), [7070, 7070, 7070]); // named targetPort
  assert.equal(ins[0]!.locality.region, 'eu');
  assert.equal(ins[0]!.locality.zone, 'eu-1');
  assert.equal(r.services()[0]!.ports[0]!.protocol, 'GRPC');
  const before = ins.map((i) => i.address);
  r.upsert(parseObjects('apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: x, namespace: shop }')[0]!);
  assert.deepEqual(r.instances('api.shop.svc.cluster.local').map((i) => i.address), before);
});

test('a named targetPort the pod does not declare yields no endpoint (as Kubernetes)', () => {
  const r = new ServiceRegistry();
  r.upsertAll(parseObjects(`
apiVersion: v1
kind: Service
metadata: { name: a }
spec: { selector: { app: a }, ports: [{ name: http, port: 80, targetPort: web }] }
---
apiVersion: v1
kind: Pod
metadata: { name: a-1, labels: { app: a, security.istio.io/tlsMode: istio } }
spec: { serviceAccountName: sa1, containers: [{ ports: [{ name: other, containerPort: 1 }] }] }
status: { podIP: 10.0.0.5 }
`));
  assert.equal(r.instances('a.default.svc.cluster.local').length, 0);
});

test('Pod objects: podIP, Ready condition, tlsMode label', () => {
  const r = new ServiceRegistry();
  r.upsertAll(parseObjects(`
apiVersion: v1
kind: Service
metadata: { name: a }
spec: { selector: { app: a }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: a-1, labels: { app: a, security.istio.io/tlsMode: istio } }
spec: { serviceAccountName: sa1 }
status: { podIP: 10.0.0.5, conditions: [{ type: Ready, status: "False" }] }
`));
  const [i] = r.instances('a.default.svc.cluster.local');
  assert.equal(i!.address, '10.0.0.5');
  assert.equal(i!.port, 8080);
  assert.equal(i!.healthy, false);
  assert.equal(i!.tlsMode, 'istio');
  assert.equal(i!.identity, 'spiffe://cluster.local/ns/default/sa/sa1');
});

test('headless services are Passthrough, ExternalName is DNS and mesh-external, ClusterIP kept', () => {
  const r = new ServiceRegistry();
  r.upsertAll(parseObjects(`
apiVersion: v1
kind: Service
metadata: { name: db }
spec: { clusterIP: None, selector: { app: db }, ports: [{ name: tcp-pg, port: 5432 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ext }
spec: { type: ExternalName, externalName: example.com, ports: [{ name: https, port: 443 }] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { clusterIP: 10.96.0.10, ports: [{ name: web, port: 80, appProtocol: http }] }
`));
  const db = r.servicesByHostname('db.default.svc.cluster.local')[0]!;
  assert.equal(db.resolution, 'Passthrough');
  assert.deepEqual(db.addresses, []);
  assert.equal(db.ports[0]!.protocol, 'TCP');
  const ext = r.servicesByHostname('ext.default.svc.cluster.local')[0]!;
  assert.equal(ext.resolution, 'DNS');
  assert.equal(ext.meshExternal, true);
  assert.equal(ext.externalName, 'example.com');
  const web = r.servicesByHostname('web.default.svc.cluster.local')[0]!;
  assert.deepEqual(web.addresses, ['10.96.0.10']);
  assert.equal(web.ports[0]!.protocol, 'HTTP');
  assert.equal(r.instances('web.default.svc.cluster.local').length, 0); // no selector, no endpoints
});
