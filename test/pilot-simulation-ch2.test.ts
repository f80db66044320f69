// Simulated calls over the book's ch2 files: the ingress gateway to webapp, the catalog v1 subset,
// the x-dark-launch header to v2 and the retry policy, through the configs our pilot generates.
// Corpus: ch2/ingress-gateway.yaml, ch2/catalog-destinationrule.yaml, ch2/catalog-virtualservice-all-v1.yaml,
// ch2/catalog-virtualservice-dark-v2.yaml, ch2/catalog-virtualservice.yaml (+ services/*/kubernetes demo manifests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectCall, meshOf, routeActionOf } from './lib/pilot-sim.js';

const CATALOG = 'catalog.istioinaction.svc.cluster.local';
const VS = (name: string): string => `/apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/${name}`;

test('ch2 ingress-gateway.yaml: any Host /api/catalog on 8080 goes to webapp port 80', () => {
  const mesh = meshOf(['ch2/ingress-gateway.yaml']);
  const gw = mesh.configFor(mesh.gateway());
  for (const host of ['localhost', 'webapp.istioinaction.io', '1.2.3.4:80']) {
    expectCall(gw, { port: 8080, protocol: 'http', host, path: '/api/catalog' }, {
      listener: '0.0.0.0_8080', routeConfig: 'http.8080', virtualHost: '*:80', route: '',
      routeIstioConfig: VS('webapp-virtualservice'), cluster: 'outbound|80||webapp.istioinaction.svc.cluster.local', error: undefined,
    });
  }
  expectCall(gw, { port: 8443, protocol: 'http', host: 'x' }, { error: 'NoListener' });
});

test('ch2 catalog-virtualservice-all-v1: from webapp, catalog.istioinaction and short catalog go to version-v1', () => {
  const mesh = meshOf(['services/catalog/kubernetes/catalog-deployment-v2.yaml', 'ch2/catalog-destinationrule.yaml',
    'ch2/catalog-virtualservice-all-v1.yaml']);
  const web = mesh.configFor(mesh.sidecar('webapp'));
  for (const host of ['catalog.istioinaction', 'catalog', CATALOG, 'catalog:80']) {
    const r = expectCall(web, { port: 80, protocol: 'http', host, path: '/items' }, {
      listener: '0.0.0.0_80', routeConfig: '80', virtualHost: `${CATALOG}:80`, route: '',
      routeIstioConfig: VS('catalog'), cluster: `outbound|80|version-v1|${CATALOG}`, error: undefined,
    });
    assert.equal(r.endpoints?.length, 1, `one v1 pod: ${r.endpoints?.join(',')}`);
  }
  assert.ok(web.clusters.some((c) => c.name === `outbound|80|version-v2|${CATALOG}`), 'the v2 subset has a cluster');
});

test('ch2 catalog-virtualservice-dark-v2: x-dark-launch: v2 goes to version-v2, none to version-v1', () => {
  const mesh = meshOf(['services/catalog/kubernetes/catalog-deployment-v2.yaml', 'ch2/catalog-destinationrule.yaml',
    'ch2/catalog-virtualservice-dark-v2.yaml']);
  const web = mesh.configFor(mesh.sidecar('webapp'));
  const v2 = expectCall(web, { port: 80, protocol: 'http', host: 'catalog.istioinaction', path: '/items', headers: { 'x-dark-launch': 'v2' } }, {
    virtualHost: `${CATALOG}:80`, routeIstioConfig: VS('catalog'), cluster: `outbound|80|version-v2|${CATALOG}`, error: undefined,
  });
  const v1 = expectCall(web, { port: 80, protocol: 'http', host: 'catalog', path: '/items' }, {
    virtualHost: `${CATALOG}:80`, routeIstioConfig: VS('catalog'), cluster: `outbound|80|version-v1|${CATALOG}`, error: undefined,
  });
  expectCall(web, { port: 80, protocol: 'http', host: 'catalog', headers: { 'x-dark-launch': 'v3' } }, { cluster: `outbound|80|version-v1|${CATALOG}` });
  assert.notDeepEqual(v1.endpoints, v2.endpoints, 'v1 and v2 subsets have different pods');
});

test('ch2 catalog-virtualservice.yaml: the catalog route retries 3 times on 5xx with a 2s per-try timeout', () => {
  const mesh = meshOf(['ch2/catalog-virtualservice.yaml']);
  const web = mesh.configFor(mesh.sidecar('webapp'));
  const r = expectCall(web, { port: 80, protocol: 'http', host: 'catalog', path: '/items' }, {
    routeConfig: '80', virtualHost: `${CATALOG}:80`, routeIstioConfig: VS('catalog'), cluster: `outbound|80||${CATALOG}`, error: undefined,
  });
  const retry = routeActionOf(web, r).retryPolicy;
  assert.ok(retry, 'the route has a retry policy');
  assert.equal(retry.retryOn, '5xx');
  assert.equal(retry.numRetries, 3);
  assert.equal(retry.perTryTimeout?.seconds, 2n);
});
