// Simulated calls over the book's ch10 and ch11 files: a 20/80 subset split and a 0.5s timeout at the
// gateway, Sidecar egress scoping with REGISTRY_ONLY (namespace- and mesh-wide), and 200 gateway hosts.
// Corpus: ch10/catalog-deployment-v2.yaml, ch10/catalog-destinationrule-v1-v2.yaml, ch10/catalog-gateway.yaml,
// ch10/catalog-virtualservice-subsets-v1-v2.yaml, ch10/catalog-virtualservice-subsets-v1-v2-timeouts.yaml,
// ch11/sidecar-namespace-wide.yaml, ch11/sidecar-mesh-wide.yaml, ch11/resources-600.yaml (+ services/*/kubernetes demo manifests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectCall, meshOf, routeActionOf } from './lib/pilot-sim.js';

const CATALOG = 'catalog.istioinaction.svc.cluster.local';
const V1 = `outbound|80|version-v1|${CATALOG}`;
const V2 = `outbound|80|version-v2|${CATALOG}`;
const GATEWAY_SVC = 'istio-ingressgateway.istio-system.svc.cluster.local';
const VS = (name: string): string => `/apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/${name}`;
const CH10 = ['ch10/catalog-deployment-v2.yaml', 'ch10/catalog-destinationrule-v1-v2.yaml', 'ch10/catalog-gateway.yaml'];

test('ch10 catalog-virtualservice-subsets-v1-v2: the gateway splits catalog.istioinaction.io 20/80 between v1 and v2', () => {
  const mesh = meshOf([...CH10, 'ch10/catalog-virtualservice-subsets-v1-v2.yaml']);
  const gw = mesh.configFor(mesh.gateway());
  const call = { port: 8080, protocol: 'http', host: 'catalog.istioinaction.io', path: '/items' } as const;
  const r = expectCall(gw, call, {
    listener: '0.0.0.0_8080', routeConfig: 'http.8080', virtualHost: 'catalog.istioinaction.io:80',
    routeIstioConfig: VS('catalog-v1-v2'), weightedClusters: [{ name: V1, weight: 20 }, { name: V2, weight: 80 }],
    cluster: V1, error: undefined,
  });
  expectCall(gw, { ...call, pickWeighted: 20 }, { cluster: V2 });
  assert.equal(routeActionOf(gw, r).timeout?.seconds ?? 0n, 0n, 'no VS timeout: istiod sets 0s (no timeout)');
});

test('ch10 catalog-virtualservice-subsets-v1-v2-timeouts: the route times out after 0.5s', () => {
  const mesh = meshOf([...CH10, 'ch10/catalog-virtualservice-subsets-v1-v2-timeouts.yaml']);
  const gw = mesh.configFor(mesh.gateway());
  const r = expectCall(gw, { port: 8080, protocol: 'http', host: 'catalog.istioinaction.io' }, {
    routeConfig: 'http.8080', routeIstioConfig: VS('catalog-v1-v2'), weightedClusters: [{ name: V1, weight: 20 }, { name: V2, weight: 80 }],
  });
  const timeout = routeActionOf(gw, r).timeout;
  assert.equal(timeout?.seconds, 0n);
  assert.equal(timeout?.nanos, 500_000_000);
});

for (const file of ['ch11/sidecar-namespace-wide.yaml', 'ch11/sidecar-mesh-wide.yaml']) {
  test(`ch11 ${file}: egress istio-system/* with REGISTRY_ONLY blocks catalog from webapp, istio-system stays routed`, () => {
    const mesh = meshOf([file]);
    const web = mesh.configFor(mesh.sidecar('webapp'));
    // catalog (istioinaction) is outside the egress hosts: no cluster, no vhost; the catch-all is block_all (502).
    expectCall(web, { port: 80, protocol: 'http', host: 'catalog', path: '/items' }, {
      listener: '0.0.0.0_80', routeConfig: '80', virtualHost: 'block_all', route: 'block_all',
      directResponse: { status: 502 }, cluster: undefined,
    });
    assert.ok(!web.clusters.some((c) => c.name.endsWith(`|${CATALOG}`)), 'no catalog cluster');
    expectCall(web, { port: 80, protocol: 'http', host: 'istio-ingressgateway.istio-system' }, {
      virtualHost: `${GATEWAY_SVC}:80`, cluster: `outbound|80||${GATEWAY_SVC}`, endpoints: ['10.244.0.5:8080'], error: undefined,
    });
    // Ports without a listener fall to virtualOutbound, which REGISTRY_ONLY sends to the BlackHoleCluster.
    expectCall(web, { port: 3000, protocol: 'http', host: 'catalog' }, {
      listener: 'virtualOutbound', filterChain: 'virtualOutbound-catchall-tcp', cluster: 'BlackHoleCluster',
    });
  });
}

test('ch11 resources-600: 200 gateway hosts in http.8080, each routed to its own service', () => {
  const mesh = meshOf(['ch11/resources-600.yaml']);
  const gw = mesh.configFor(mesh.gateway());
  assert.equal(gw.routes.find((r) => r.name === 'http.8080')?.virtualHosts.length, 200);
  for (const svc of ['service0039-62', 'service86f3-164', 'serviceffaa-7']) {
    expectCall(gw, { port: 8080, protocol: 'http', host: `${svc}.istioinaction.io` }, {
      listener: '0.0.0.0_8080', routeConfig: 'http.8080', virtualHost: `${svc}.istioinaction.io:80`,
      routeIstioConfig: VS(svc), cluster: `outbound|80||${svc}.istioinaction.svc.cluster.local`, error: undefined,
    });
  }
  expectCall(gw, { port: 8080, protocol: 'http', host: 'service-none.istioinaction.io' }, { error: 'NoVirtualHost' });
});
