// Simulated calls through hand-written, istiod-shaped sidecar and gateway configs: dark launch,
// allow_any, virtualOutbound passthrough, SNI chains, weighted splits, errors and explicit-proxy calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, simulate, simulateMany, type Call, type SimulationResult } from './index.js';
import { gatewayConfig, httpsGatewayConfig, sidecarConfig } from './test-support.js';

const CATALOG = 'catalog.istioinaction.svc.cluster.local';
const V1 = `outbound|80|version-v1|${CATALOG}`;
const V2 = `outbound|80|version-v2|${CATALOG}`;
const sidecar = sidecarConfig();
const gateway = gatewayConfig();

function expectRoute(r: SimulationResult, want: Partial<SimulationResult>, call: Call): void {
  for (const [k, v] of Object.entries(want)) {
    assert.deepEqual(r[k as keyof SimulationResult], v, `${k}: ${describe(r, call)}`);
  }
}

function check(config: typeof sidecar, call: Call, want: Partial<SimulationResult>): SimulationResult {
  const r = simulate(config, call);
  expectRoute(r, want, call);
  return r;
}

test('ch2 dark launch: x-dark-launch: v2 goes to version-v2, no header to version-v1, with endpoints from EDS', () => {
  check(sidecar, { port: 80, protocol: 'http', host: 'catalog', headers: { 'x-dark-launch': 'v2' } }, {
    listener: '0.0.0.0_80', filterChain: '', routeConfig: '80', virtualHost: `${CATALOG}:80`, route: '',
    routeIstioConfig: '/apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/catalog',
    cluster: V2, endpoints: ['10.244.0.12:3000'], error: undefined,
  });
  check(sidecar, { port: 80, protocol: 'http', host: `${CATALOG}`, path: '/items' }, { cluster: V1, endpoints: ['10.244.0.11:3000'] });
  check(sidecar, { port: 80, protocol: 'http2', host: 'catalog.istioinaction', headers: { 'x-dark-launch': 'v3' } }, { cluster: V1 });
});

test('the ClusterIP and a Host with a port match the service virtual host (ignore_port_in_host_matching)', () => {
  check(sidecar, { address: '10.0.0.5', port: 80, protocol: 'http', host: '10.0.0.5' }, { virtualHost: `${CATALOG}:80`, cluster: V1 });
  check(sidecar, { port: 80, protocol: 'http', host: 'catalog:80' }, { virtualHost: `${CATALOG}:80`, cluster: V1 });
});

test('an unknown host goes to the allow_any virtual host and PassthroughCluster, which has no endpoints', () => {
  check(sidecar, { port: 80, protocol: 'http', host: 'example.com' }, {
    listener: '0.0.0.0_80', virtualHost: 'allow_any', route: 'allow_any', cluster: 'PassthroughCluster', endpoints: [],
  });
});

test('raw TCP to port 80 misses the HTTP chain and takes the listener\'s PassthroughFilterChain', () => {
  check(sidecar, { port: 80, protocol: 'tcp' }, { listener: '0.0.0.0_80', filterChain: 'PassthroughFilterChain', cluster: 'PassthroughCluster' });
});

test('a port without a listener goes through virtualOutbound\'s catch-all passthrough chain', () => {
  check(sidecar, { port: 9999, protocol: 'http', host: 'example.com' }, {
    listener: 'virtualOutbound', filterChain: 'virtualOutbound-catchall-tcp', cluster: 'PassthroughCluster', routeConfig: undefined,
  });
  check(sidecar, { port: 15001, protocol: 'tcp' }, { listener: 'virtualOutbound', filterChain: 'virtualOutbound-blackhole', cluster: 'BlackHoleCluster' });
});

test('a TCP service listener is chosen by its exact IP, other IPs on that port fall to virtualOutbound', () => {
  check(sidecar, { address: '10.0.0.9', port: 3306, protocol: 'tcp' }, {
    listener: '10.0.0.9_3306', cluster: 'outbound|3306||mysql.istioinaction.svc.cluster.local', endpoints: [],
  });
  check(sidecar, { address: '10.0.0.10', port: 3306, protocol: 'tcp' }, { listener: 'virtualOutbound', cluster: 'PassthroughCluster' });
});

test('TLS chains are picked by SNI: exact, wildcard, else the default chain', () => {
  check(sidecar, { port: 443, protocol: 'tls', sni: 'www.google.com' }, {
    listener: '0.0.0.0_443', cluster: 'outbound|443||www.google.com', endpoints: ['www.google.com:443'],
  });
  check(sidecar, { port: 443, protocol: 'tls', sni: 'en.wikipedia.org' }, { cluster: 'outbound|443||*.wikipedia.org', error: 'NoCluster' });
  check(sidecar, { port: 443, protocol: 'tls', sni: 'example.org' }, { filterChain: 'PassthroughFilterChain', cluster: 'PassthroughCluster' });
  check(gateway, { port: 8443, protocol: 'tls', sni: 'catalog.istioinaction.io' }, { listener: '0.0.0.0_8443', cluster: `outbound|80||${CATALOG}` });
  check(gateway, { port: 8443, protocol: 'tls', sni: 'other.istioinaction.io' }, { listener: '0.0.0.0_8443', error: 'NoFilterChain' });
});

test('route errors: no route in the matched virtual host, no virtual host, no listener, unknown cluster', () => {
  check(sidecar, { port: 80, protocol: 'http', host: 'legacy', path: '/web' }, {
    virtualHost: 'legacy.istioinaction.svc.cluster.local:80', error: 'NoRoute', route: undefined,
  });
  check(gateway, { port: 8080, protocol: 'http', host: 'nobody.istioinaction.io' }, { routeConfig: 'http.8080', error: 'NoVirtualHost' });
  check(gateway, { port: 9090, protocol: 'http' }, { error: 'NoListener' });
  check(gateway, { port: 8080, protocol: 'http', host: 'gone.istioinaction.io' }, {
    route: 'ghost', cluster: 'outbound|80||ghost.istioinaction.svc.cluster.local', error: 'NoCluster',
  });
  check(sidecar, { port: 80, protocol: 'tls', sni: 'catalog' }, { filterChain: 'PassthroughFilterChain', cluster: 'PassthroughCluster' });
});

test('protocol mismatches: TCP into an HCM chain, plain text into a TLS-terminating chain', () => {
  check(gateway, { port: 8080, protocol: 'tcp' }, { listener: '0.0.0.0_8080', error: 'ProtocolError' });
  const https = httpsGatewayConfig();
  check(https, { port: 8443, protocol: 'tls', sni: 'webapp.istioinaction.io', host: 'webapp.istioinaction.io', alpn: ['h2'] }, {
    routeConfig: 'https.443.https.coolstore-gateway.istioinaction', virtualHost: 'webapp.istioinaction.io:80',
    cluster: 'outbound|80||webapp.istioinaction.svc.cluster.local', error: undefined,
  });
  // Without tls_inspector-visible TLS the SNI chain does not match at all.
  check(https, { port: 8443, protocol: 'http', host: 'webapp.istioinaction.io' }, { error: 'NoFilterChain' });
  check(https, { port: 9443, protocol: 'http', host: 'webapp.istioinaction.io' }, { listener: '0.0.0.0_9443', error: 'TLSError', routeConfig: undefined });
  check(https, { port: 9443, protocol: 'tls', host: 'webapp.istioinaction.io' }, { virtualHost: 'webapp.istioinaction.io:80', error: undefined });
});

test('direct responses and redirects need no cluster', () => {
  check(gateway, { port: 8080, protocol: 'http', host: 'blackhole.istioinaction.io' }, {
    route: 'block', directResponse: { status: 404, body: 'nope' }, cluster: undefined, error: undefined,
  });
  check(sidecar, { port: 80, protocol: 'http', host: 'legacy', path: '/old/x' }, {
    route: 'moved', redirect: { status: 301, host: 'webapp.istioinaction', path: '/new' }, error: undefined,
  });
});

test('weighted splits report every cluster with its weight; pickWeighted chooses one deterministically', () => {
  const call: Call = { port: 8080, protocol: 'http', host: 'catalog.istioinaction.io' };
  const split = [{ name: V1, weight: 90 }, { name: V2, weight: 10 }];
  check(gateway, call, { listener: '0.0.0.0_8080', virtualHost: 'catalog.istioinaction.io:80', weightedClusters: split, cluster: V1 });
  check(gateway, { ...call, pickWeighted: 89 }, { cluster: V1 });
  check(gateway, { ...call, pickWeighted: 90 }, { cluster: V2, endpoints: ['10.244.0.12:3000'] });
  check(gateway, { ...call, pickWeighted: 99 }, { cluster: V2 });
  const tcp: Call = { port: 8443, protocol: 'tls', sni: 'simple-sni-1.istioinaction.io' };
  check(gateway, tcp, { weightedClusters: [{ name: V1, weight: 80 }, { name: V2, weight: 20 }], cluster: V1 });
  check(gateway, { ...tcp, pickWeighted: 80 }, { cluster: V2 });
});

test('gateway: webapp.istioinaction.io on 8080 reaches webapp through route http.8080', () => {
  check(gateway, { port: 8080, protocol: 'http', host: 'webapp.istioinaction.io', path: '/api/catalog' }, {
    listener: '0.0.0.0_8080', routeConfig: 'http.8080', virtualHost: 'webapp.istioinaction.io:80',
    cluster: 'outbound|80||webapp.istioinaction.svc.cluster.local', endpoints: [],
    routeIstioConfig: '/apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/webapp-vs-from-gw',
  });
});

test('explicit proxy: an absolute-form request to the proxy port uses the URI host as authority', () => {
  check(sidecar, { port: 80, protocol: 'http', host: 'catalog.istioinaction', callerIsExplicitProxy: { listenerPort: 80 } }, {
    listener: '0.0.0.0_80', virtualHost: `${CATALOG}:80`, cluster: V1,
  });
  // The destination port goes into the authority; ignore_port_in_host_matching still finds catalog's vhost.
  check(sidecar, { port: 8080, protocol: 'http', host: 'catalog.istioinaction', callerIsExplicitProxy: { listenerPort: 80 } }, {
    listener: '0.0.0.0_80', virtualHost: `${CATALOG}:80`, cluster: V1,
  });
  check(gateway, { port: 80, protocol: 'http', host: 'webapp.istioinaction.io', callerIsExplicitProxy: { listenerPort: 8080 } }, {
    listener: '0.0.0.0_8080', virtualHost: 'webapp.istioinaction.io:80',
  });
});

test('simulateMany keeps order and describe() prints each step on one line', () => {
  const calls: Call[] = [
    { port: 80, protocol: 'http', host: 'catalog', headers: { 'x-dark-launch': 'v2' } },
    { port: 9090, protocol: 'tcp' },
  ];
  const [a, b] = simulateMany(sidecar, calls);
  assert.equal(a.cluster, V2);
  assert.equal(b.listener, 'virtualOutbound');
  assert.equal(describe(a, calls[0]),
    `http catalog:80/ -> listener 0.0.0.0_80 / chain (unnamed) / routes 80 / vhost ${CATALOG}:80 / route (unnamed) `
    + '[/apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/catalog] '
    + `=> cluster ${V2} endpoints [10.244.0.12:3000]`);
  assert.equal(describe(simulate(gateway, { port: 9090, protocol: 'http' })), 'ERROR NoListener');
});
