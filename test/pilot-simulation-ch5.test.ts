// Simulated calls over the book's ch5 files: weighted v1/v2 splits, mirroring to v2, header-based
// routing in the mesh and at the gateway, and the forum's ServiceEntry for jsonplaceholder.
// Corpus: ch5/catalog-dest-rule.yaml, ch5/catalog-vs-v2-10-90-mesh.yaml, ch5/catalog-vs-v2-50-50-mesh.yaml,
// ch5/catalog-vs-v2-mirror.yaml, ch5/catalog-vs-v2-request-mesh.yaml, ch5/catalog-gateway.yaml,
// ch5/catalog-vs-v2-request.yaml, ch5/forum-serviceentry.yaml (+ services/*/kubernetes demo manifests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectCall, meshOf, routeActionOf } from './lib/pilot-sim.js';

const CATALOG = 'catalog.istioinaction.svc.cluster.local';
const V1 = `outbound|80|version-v1|${CATALOG}`;
const V2 = `outbound|80|version-v2|${CATALOG}`;
const V2_DEPLOY = 'services/catalog/kubernetes/catalog-deployment-v2.yaml';
const VS = (name: string): string => `/apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/${name}`;

for (const [file, w1, w2] of [['ch5/catalog-vs-v2-10-90-mesh.yaml', 90, 10], ['ch5/catalog-vs-v2-50-50-mesh.yaml', 50, 50]] as const) {
  test(`ch5 ${file}: the catalog route splits version-v1 ${w1} / version-v2 ${w2}`, () => {
    const mesh = meshOf([V2_DEPLOY, 'ch5/catalog-dest-rule.yaml', file]);
    const web = mesh.configFor(mesh.sidecar('webapp'));
    const call = { port: 80, protocol: 'http', host: 'catalog', path: '/items' } as const;
    const first = expectCall(web, call, {
      routeConfig: '80', virtualHost: `${CATALOG}:80`, routeIstioConfig: VS('catalog'), error: undefined,
    });
    const got = [...(first.weightedClusters ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(got, [{ name: V1, weight: w1 }, { name: V2, weight: w2 }], `weights: ${JSON.stringify(first.weightedClusters)}`);
    // Picking past the first cluster's share lands on the other one.
    const firstName = first.weightedClusters?.[0]?.name;
    const firstWeight = first.weightedClusters?.[0]?.weight ?? 0;
    expectCall(web, { ...call, pickWeighted: firstWeight }, { cluster: firstName === V1 ? V2 : V1 });
  });
}

test('ch5 catalog-vs-v2-mirror: traffic goes to version-v1 and is mirrored to version-v2', () => {
  const mesh = meshOf([V2_DEPLOY, 'ch5/catalog-dest-rule.yaml', 'ch5/catalog-vs-v2-mirror.yaml']);
  const web = mesh.configFor(mesh.sidecar('webapp'));
  const r = expectCall(web, { port: 80, protocol: 'http', host: 'catalog.istioinaction', path: '/items' }, {
    virtualHost: `${CATALOG}:80`, routeIstioConfig: VS('catalog'), cluster: V1, error: undefined,
  });
  const mirrors = routeActionOf(web, r).requestMirrorPolicies;
  assert.deepEqual(mirrors.map((m) => m.cluster), [V2]);
  // Istio mirrors 100% by default, as a percentage scaled to MILLION (translateFractionalPercent).
  assert.equal(mirrors[0]?.runtimeFraction?.defaultValue?.numerator, 1_000_000);
  assert.equal(mirrors[0]?.runtimeFraction?.defaultValue?.denominator, 2 /* MILLION */);
});

test('ch5 catalog-vs-v2-request-mesh: x-istio-cohort: internal goes to version-v2, else version-v1', () => {
  const mesh = meshOf([V2_DEPLOY, 'ch5/catalog-dest-rule.yaml', 'ch5/catalog-vs-v2-request-mesh.yaml']);
  const web = mesh.configFor(mesh.sidecar('webapp'));
  expectCall(web, { port: 80, protocol: 'http', host: 'catalog', headers: { 'x-istio-cohort': 'internal' } }, {
    virtualHost: `${CATALOG}:80`, routeIstioConfig: VS('catalog'), cluster: V2, error: undefined,
  });
  expectCall(web, { port: 80, protocol: 'http', host: 'catalog' }, { cluster: V1, error: undefined });
  expectCall(web, { port: 80, protocol: 'http', host: 'catalog', headers: { 'x-istio-cohort': 'internal-ish' } }, { cluster: V1 });
});

test('ch5 catalog-gateway + catalog-vs-v2-request: the gateway routes catalog.istioinaction.io by x-istio-cohort', () => {
  const mesh = meshOf([V2_DEPLOY, 'ch5/catalog-dest-rule.yaml', 'ch5/catalog-gateway.yaml', 'ch5/catalog-vs-v2-request.yaml']);
  const gw = mesh.configFor(mesh.gateway());
  const base = { port: 8080, protocol: 'http', host: 'catalog.istioinaction.io', path: '/items' } as const;
  expectCall(gw, { ...base, headers: { 'x-istio-cohort': 'internal' } }, {
    listener: '0.0.0.0_8080', routeConfig: 'http.8080', virtualHost: 'catalog.istioinaction.io:80',
    routeIstioConfig: VS('catalog-vs-from-gw'), cluster: V2, error: undefined,
  });
  expectCall(gw, base, { routeIstioConfig: VS('catalog-vs-from-gw'), cluster: V1, error: undefined });
  expectCall(gw, { ...base, host: 'webapp.istioinaction.io' }, { routeConfig: 'http.8080', error: 'NoVirtualHost' });
});

test('ch5 forum-serviceentry: jsonplaceholder.typicode.com gets a DNS cluster, the forum sidecar routes to it on 80', () => {
  const mesh = meshOf(['ch5/forum-serviceentry.yaml']);
  const forum = mesh.configFor(mesh.sidecar('forum'));
  const name = 'outbound|80||jsonplaceholder.typicode.com';
  const cluster = forum.clusters.find((c) => c.name === name);
  assert.ok(cluster, `a ${name} cluster`);
  assert.deepEqual(cluster.clusterDiscoveryType, { case: 'type', value: 1 /* STRICT_DNS */ });
  expectCall(forum, { port: 80, protocol: 'http', host: 'jsonplaceholder.typicode.com', path: '/users' }, {
    listener: '0.0.0.0_80', routeConfig: '80', virtualHost: 'jsonplaceholder.typicode.com:80', route: 'default',
    cluster: name, endpoints: ['jsonplaceholder.typicode.com:80'], error: undefined,
  });
});
