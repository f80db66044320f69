// Simulated calls over the book's ch4 files: host-based gateway routing, TLS termination by SNI,
// a TCP gateway port to tcp-echo and SNI passthrough to the simple-tls services.
// Corpus: ch4/coolstore-gw.yaml, ch4/coolstore-vs.yaml, ch4/coolstore-gw-tls.yaml, ch4/gateway-tcp.yaml,
// ch4/echo.yaml, ch4/echo-vs.yaml, ch4/sni/passthrough-sni-gateway.yaml, ch4/sni/passthrough-sni-vs-1.yaml,
// ch4/sni/simple-tls-service-1.yaml (+ services/*/kubernetes demo manifests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOOK, expectCall, gatewayServiceYaml, meshOf } from './lib/pilot-sim.js';

const WEBAPP = 'outbound|80||webapp.istioinaction.svc.cluster.local';
const VS = (name: string): string => `/apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/${name}`;

/** The ingress gateway Service with the TCP port 31400 the book's istioctl install exposes. */
const GATEWAY_WITH_TCP = gatewayServiceYaml(['{ name: tcp, port: 31400, targetPort: 31400, protocol: TCP }']);

test('ch4 coolstore-gw + coolstore-vs: webapp.istioinaction.io goes to webapp, other hosts get no virtual host', () => {
  const mesh = meshOf(['ch4/coolstore-gw.yaml', 'ch4/coolstore-vs.yaml']);
  const gw = mesh.configFor(mesh.gateway());
  expectCall(gw, { port: 8080, protocol: 'http', host: 'webapp.istioinaction.io', path: '/api/catalog' }, {
    listener: '0.0.0.0_8080', routeConfig: 'http.8080', virtualHost: 'webapp.istioinaction.io:80', route: '',
    routeIstioConfig: VS('webapp-vs-from-gw'), cluster: WEBAPP, error: undefined,
  });
  // The gateway server only admits webapp.istioinaction.io: no virtual host for catalog's or any other host.
  for (const host of ['catalog.istioinaction.io', 'example.com']) {
    expectCall(gw, { port: 8080, protocol: 'http', host }, { routeConfig: 'http.8080', error: 'NoVirtualHost', cluster: undefined });
  }
});

/** The book's `kubectl create -n istio-system secret tls webapp-credential` from ch4/certs. */
function webappCredential(): string {
  const b64 = (f: string): string => readFileSync(join(BOOK, 'ch4/certs/3_application', f)).toString('base64');
  return `
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: webapp-credential, namespace: istio-system }
data: { tls.crt: ${b64('certs/webapp.istioinaction.io.cert.pem')}, tls.key: ${b64('private/webapp.istioinaction.io.key.pem')} }
`;
}

test('ch4 coolstore-gw-tls: SNI webapp.istioinaction.io on 8443 terminates TLS with webapp-credential and routes to webapp', () => {
  const mesh = meshOf(['ch4/coolstore-gw-tls.yaml', 'ch4/coolstore-vs.yaml'], webappCredential());
  const gw = mesh.configFor(mesh.gateway());
  const listener = gw.listeners.find((l) => l.name === '0.0.0.0_8443');
  assert.ok(listener, `listeners: ${gw.listeners.map((l) => l.name).join(', ')}`);
  const chain = listener.filterChains.find((c) => c.filterChainMatch?.serverNames.includes('webapp.istioinaction.io'));
  assert.ok(chain, 'a filter chain for SNI webapp.istioinaction.io');
  assert.deepEqual(chain.filterChainMatch?.serverNames, ['webapp.istioinaction.io']);
  assert.equal(chain.transportSocket?.name, 'envoy.transport_sockets.tls', 'the chain terminates TLS');
  // Terminated TLS carries HTTP: the harness continues into the chain's HCM (istiod's https.<server port>... RDS name).
  expectCall(gw, { port: 8443, protocol: 'tls', sni: 'webapp.istioinaction.io', host: 'webapp.istioinaction.io', path: '/api/catalog' }, {
    listener: '0.0.0.0_8443', routeConfig: 'https.443.https.coolstore-gateway.istioinaction',
    routeIstioConfig: VS('webapp-vs-from-gw'), cluster: WEBAPP, error: undefined,
  });
  expectCall(gw, { port: 8443, protocol: 'tls', sni: 'other.istioinaction.io' }, { listener: '0.0.0.0_8443', error: 'NoFilterChain' });
  // Plain HTTP on 8080 is still served by the HTTP server.
  expectCall(gw, { port: 8080, protocol: 'http', host: 'webapp.istioinaction.io' }, { routeConfig: 'http.8080', cluster: WEBAPP });
});

test('ch4 gateway-tcp + echo-vs: TCP on 31400 goes to the tcp-echo service port 2701', () => {
  const mesh = meshOf(['ch4/echo.yaml', 'ch4/gateway-tcp.yaml', 'ch4/echo-vs.yaml'], GATEWAY_WITH_TCP);
  const gw = mesh.configFor(mesh.gateway());
  const r = expectCall(gw, { port: 31400, protocol: 'tcp' }, {
    listener: '0.0.0.0_31400', cluster: 'outbound|2701||tcp-echo-service.istioinaction.svc.cluster.local', error: undefined,
  });
  assert.equal(r.endpoints?.length, 1, `endpoints: ${r.endpoints?.join(',')}`);
});

test('ch4 sni passthrough: SNI simple-sni-1.istioinaction.io on 31400 is passed through to simple-tls-service-1', () => {
  const mesh = meshOf(['ch4/sni/simple-tls-service-1.yaml', 'ch4/sni/passthrough-sni-gateway.yaml', 'ch4/sni/passthrough-sni-vs-1.yaml'],
    GATEWAY_WITH_TCP);
  const gw = mesh.configFor(mesh.gateway());
  expectCall(gw, { port: 31400, protocol: 'tls', sni: 'simple-sni-1.istioinaction.io' }, {
    listener: '0.0.0.0_31400', cluster: 'outbound|80||simple-tls-service-1.istioinaction.svc.cluster.local', error: undefined,
  });
  expectCall(gw, { port: 31400, protocol: 'tls', sni: 'simple-sni-2.istioinaction.io' }, { listener: '0.0.0.0_31400', error: 'NoFilterChain' });
});
