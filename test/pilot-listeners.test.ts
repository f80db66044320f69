// Generated listeners in a real proxy process: the ch2 gateway listener, the explicit HTTP proxy
// (absolute-form URLs), virtualInbound reached on its additional address, bind_to_port:false outbound.
import { test, before, after } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { toJson } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../src/xds/gen/envoy/config/listener/v3/listener_pb.js';
import { registry } from '../src/xds/registry.js';
import { buildListenersOf } from '../src/pilot/translate/listener/test-support.js';
import { BOOK, fakeInstance, fakeProxy, fakePush, fakeService, loadBook, tlsSecretData } from '../src/pilot/translate/listener/test-support.js';
import { curl } from './lib/curl.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { freePort } from './lib/sandbox.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A loopback address of its own, so the fixed Istio ports (15001, 15006) do not collide with other runs. */
const HOST = `127.0.0.${100 + Math.floor(Math.random() * 150)}`;
const WEBAPP = 'outbound|80||webapp.istioinaction.svc.cluster.local';
const CATALOG = 'outbound|80||catalog.istioinaction.svc.cluster.local';

let echo: EchoUpstream;
let proxy: RunningProxy;
let gatewayPort: number;
let httpProxyPort: number;
let inboundPort: number;
let tlsPort: number;

/** Static resources cannot use RDS: swap each HCM's rds for the route table of that name. */
function inlineRoutes(l: Listener, routes: Record<string, J>): J {
  const j = toJson(ListenerSchema, l, { registry }) as J;
  for (const chain of j.filterChains ?? []) {
    for (const f of chain.filters ?? []) {
      const rds = f.typedConfig?.rds;
      if (rds === undefined) continue;
      delete f.typedConfig.rds;
      f.typedConfig.routeConfig = routes[rds.routeConfigName] ?? { name: rds.routeConfigName };
    }
  }
  return j;
}

const routeTo = (name: string, domains: string[], cluster: string): J => ({
  name, virtualHosts: [{ name, domains, routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
});

const staticCluster = (name: string, port: number): J => ({
  name, connectTimeout: '1s', type: 'STATIC',
  loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: port } } } }] }] },
});

before(async () => {
  echo = await startEchoUpstream('app');
  [gatewayPort, httpProxyPort, inboundPort, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const gwInstances = [fakeInstance('istio-ingressgateway.istio-system.svc.cluster.local', 'http2', 80, gatewayPort),
    fakeInstance('istio-ingressgateway.istio-system.svc.cluster.local', 'https', 443, tlsPort)];
  const secrets = { 'istio-system/webapp-credential': tlsSecretData('ch4/certs/3_application/certs/webapp.istioinaction.io.cert.pem',
    'ch4/certs/3_application/private/webapp.istioinaction.io.key.pem') };
  const configs = [...loadBook('ch2/ingress-gateway.yaml', 'istioinaction'), ...loadBook('ch4/coolstore-gw-tls.yaml', 'istio-system')];
  const gateway = buildListenersOf(fakePush({ configs, secrets, proxyInstances: gwInstances }), fakeProxy('router', 'istio-system', { bindAddress: HOST }));
  const catalog = fakeService('catalog.istioinaction.svc.cluster.local', 'istioinaction', [{ name: 'http', port: 80, protocol: 'HTTP' }], ['10.96.0.10']);
  const sidecar = buildListenersOf(fakePush({ services: [catalog], proxyInstances: [fakeInstance(catalog.hostname, 'http', 80, inboundPort)] }),
    fakeProxy('sidecar', 'istioinaction', { bindAddress: HOST, httpProxyPort }));
  const routes: Record<string, J> = {
    [`http.${gatewayPort}`]: routeTo(`http.${gatewayPort}`, ['*'], WEBAPP),
    'https.443.https.coolstore-gateway.istio-system': routeTo('https.443.https.coolstore-gateway.istio-system', ['webapp.istioinaction.io'], WEBAPP),
    http_proxy: routeTo('http_proxy', ['catalog.istioinaction.svc.cluster.local'], CATALOG),
    '80': routeTo('80', ['catalog.istioinaction.svc.cluster.local'], CATALOG),
  };
  const bootstrap = {
    admin: { address: { socketAddress: { address: '127.0.0.1', portValue: 0 } } },
    staticResources: {
      listeners: [...gateway, ...sidecar].map((l) => inlineRoutes(l, routes)),
      clusters: [staticCluster(WEBAPP, echo.port), staticCluster(CATALOG, echo.port), staticCluster(`inbound|${inboundPort}||`, echo.port),
        { name: 'BlackHoleCluster', type: 'STATIC', connectTimeout: '1s' }],
    },
  };
  proxy = await startProxy(JSON.stringify(bootstrap, null, 1));
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
});

test('the ch2 gateway listener serves http.<port> on <bindAddress>:<pod port>', async () => {
  const r = await curl(`http://${HOST}:${gatewayPort}/api/catalog`);
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).url, '/api/catalog');
  assert.equal(r.headers['server'], 'istio-envoy');
});

test('the ch4 SIMPLE TLS server terminates with the credentialName secret, chosen by SNI', async () => {
  const ca = join(BOOK, 'ch4/certs/2_intermediate/certs/ca-chain.cert.pem');
  const r = await curl(`https://webapp.istioinaction.io:${tlsPort}/tls`, ['--cacert', ca, '--resolve', `webapp.istioinaction.io:${tlsPort}:${HOST}`]);
  assert.equal(r.status, 200, r.raw);
  assert.equal(JSON.parse(r.body).url, '/tls');
  await assert.rejects(curl(`https://other.istioinaction.io:${tlsPort}/`, ['-k', '--resolve', `other.istioinaction.io:${tlsPort}:${HOST}`]),
    'no chain for another SNI: the handshake fails');
});

test('the explicit HTTP proxy takes the host from an absolute-form URL', async () => {
  const r = await curl('http://catalog.istioinaction.svc.cluster.local/items?x=1', ['--proxy', `http://${HOST}:${httpProxyPort}`]);
  assert.equal(r.status, 200, r.raw);
  const e = JSON.parse(r.body);
  assert.equal(e.url, '/items?x=1');
  assert.equal(e.headers.host, 'catalog.istioinaction.svc.cluster.local');
  const miss = await curl('http://other.example/', ['--proxy', `http://${HOST}:${httpProxyPort}`]);
  assert.equal(miss.status, 404);
});

test('virtualInbound answers on its additional address <bindAddress>:<targetPort> through the inline inbound route', async () => {
  const r = await curl(`http://${HOST}:${inboundPort}/inbound`);
  assert.equal(r.status, 200, r.raw);
  assert.equal(JSON.parse(r.body).url, '/inbound');
  const listeners = await (await proxy.admin('/listeners')).text();
  assert.match(listeners, /^virtualInbound::/m);
  assert.match(listeners, /^0\.0\.0\.0_80::/m, 'the bind_to_port:false outbound listener is loaded');
});
