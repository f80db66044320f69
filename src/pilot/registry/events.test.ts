// Change events: endpoint-only changes (EDS push) versus definition changes (full push), and
// address release when replicas go away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './input.js';
import { type RegistryChange, ServiceRegistry } from './registry.js';
import { parseObjects } from './test-support.js';

const svc = (port: number): KubeObject => parseObjects(`
apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: istioinaction }
spec: { selector: { app: catalog }, ports: [{ name: http, port: ${port}, targetPort: 3000 }] }`)[0]!;
const deploy = (replicas: number, version = 'v1'): KubeObject => parseObjects(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: catalog-${version}, namespace: istioinaction }
spec:
  replicas: ${replicas}
  template: { metadata: { labels: { app: catalog, version: ${version} } }, spec: { containers: [{ ports: [{ containerPort: 3000 }] }] } }`)[0]!;
const FQ = 'catalog.istioinaction.svc.cluster.local';

test('adding a service is a definition change; scaling its deployment is endpoint-only', () => {
  const r = new ServiceRegistry();
  const events: RegistryChange[] = [];
  r.onChange((c) => events.push(c));
  assert.deepEqual(r.upsert(svc(80)), { services: [FQ], endpoints: [] });
  assert.deepEqual(r.upsert(deploy(2)), { services: [], endpoints: [FQ] });
  assert.equal(r.instances(FQ).length, 2);
  assert.deepEqual(r.upsert(deploy(3)), { services: [], endpoints: [FQ] });
  assert.equal(r.instances(FQ).length, 3);
  assert.deepEqual(r.upsert(deploy(3)), { services: [], endpoints: [] }); // no-op
  assert.deepEqual(r.upsert(svc(8080)), { services: [FQ], endpoints: [] }); // port change: full
  assert.deepEqual(r.remove('Deployment', 'istioinaction', 'catalog-v1'), { services: [], endpoints: [FQ] });
  assert.equal(r.instances(FQ).length, 0);
  assert.deepEqual(r.remove('Service', 'istioinaction', 'catalog'), { services: [FQ], endpoints: [] });
  assert.deepEqual(r.remove('Service', 'istioinaction', 'catalog'), { services: [], endpoints: [] });
  assert.equal(events.length, 6); // the two no-ops emit nothing
});

test('objects the registry does not read change nothing', () => {
  const r = new ServiceRegistry();
  r.upsert(svc(80));
  const vs: KubeObject = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x' } };
  assert.deepEqual(r.upsert(vs), { services: [], endpoints: [] });
});

test('scaling down releases addresses; a new deployment reuses none of the live ones', () => {
  const r = new ServiceRegistry();
  r.upsert(svc(80));
  r.upsert(deploy(3));
  const three = r.instances(FQ).map((i) => i.address);
  r.upsert(deploy(1));
  assert.deepEqual(r.instances(FQ).map((i) => i.address), [three[0]]);
  r.upsert(deploy(2, 'v2'));
  const all = r.instances(FQ).map((i) => i.address);
  assert.equal(new Set(all).size, 3);
});
