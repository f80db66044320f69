// Simulated inbound calls to the catalog sidecar under PeerAuthentication (the book's chapter 9
// policies, written inline as the corpus has no ch9 files): plaintext and Istio mTLS per mode, the
// precedence of mesh, namespace, workload and port policies, a TCP port, and auto mTLS from webapp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Call } from '../src/pilot/simulation/index.js';
import { expectCall, meshOf } from './lib/pilot-sim.js';

const SDS = { workloadSds: true };
const INBOUND = 'inbound|3000||';
/** An app's plaintext request and an Istio sidecar's mTLS one (ALPN `istio`), both arriving at catalog's port 3000. */
const plaintext: Call = { callMode: 'inbound', port: 3000, protocol: 'http', host: 'catalog.istioinaction', path: '/items' };
const mtls: Call = { ...plaintext, protocol: 'tls', alpn: ['istio'] };
/** A TLS client that is not an Istio sidecar (curl over HTTPS): ALPN h2/http/1.1. */
const otherTls: Call = { ...plaintext, protocol: 'tls', alpn: ['h2', 'http/1.1'] };

const policy = (ns: string, name: string, spec: string, created = '2024-01-01T00:00:00Z'): string => `
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: { name: ${name}, namespace: ${ns}, creationTimestamp: "${created}" }
spec: ${spec}
---`;
const MESH_STRICT = policy('istio-system', 'default', '{ mtls: { mode: STRICT } }');

function catalog(yaml: string) {
  const mesh = meshOf([], yaml, SDS);
  return mesh.configFor(mesh.sidecar('catalog'));
}

test('PERMISSIVE (no policy): plaintext and mTLS both reach the app; other TLS finds no chain', () => {
  const c = catalog('');
  expectCall(c, plaintext, { listener: 'virtualInbound', filterChain: '0.0.0.0_3000', routeConfig: INBOUND, cluster: INBOUND, error: undefined });
  expectCall(c, mtls, { listener: 'virtualInbound', filterChain: '0.0.0.0_3000', cluster: INBOUND, error: undefined });
  expectCall(c, otherTls, { error: 'NoFilterChain' });
});

test('mesh-wide STRICT (meshwide-strict-peer-authn): plaintext finds no chain, mTLS reaches the app', () => {
  const c = catalog(MESH_STRICT);
  expectCall(c, plaintext, { listener: 'virtualInbound', error: 'NoFilterChain' });
  expectCall(c, mtls, { cluster: INBOUND, error: undefined });
});

test('namespace DISABLE: plaintext only; mTLS bytes reach the plaintext HTTP chain (the TLS inspector is off there)', () => {
  const c = catalog(policy('istioinaction', 'default', '{ mtls: { mode: DISABLE } }'));
  expectCall(c, plaintext, { cluster: INBOUND, error: undefined });
  expectCall(c, mtls, { filterChain: '0.0.0.0_3000', error: 'ProtocolError' });
});

test('precedence: a workload PERMISSIVE policy beats the namespace DISABLE and the mesh STRICT; port level beats the workload', () => {
  const ns = policy('istioinaction', 'default', '{ mtls: { mode: DISABLE } }');
  const wl = policy('istioinaction', 'catalog', '{ selector: { matchLabels: { app: catalog } }, mtls: { mode: PERMISSIVE } }');
  const c = catalog(MESH_STRICT + ns + wl);
  expectCall(c, plaintext, { cluster: INBOUND, error: undefined });
  expectCall(c, mtls, { cluster: INBOUND, error: undefined });
  const port = policy('istioinaction', 'catalog', '{ selector: { matchLabels: { app: catalog } }, mtls: { mode: DISABLE }, portLevelMtls: { 3000: { mode: STRICT } } }');
  const strictPort = catalog(ns + port);
  expectCall(strictPort, plaintext, { error: 'NoFilterChain' });
  expectCall(strictPort, mtls, { cluster: INBOUND, error: undefined });
  // A workload policy selecting other labels does not apply; webapp's sidecar keeps the namespace's DISABLE.
  const mesh = meshOf([], MESH_STRICT + ns + port, SDS);
  const webapp = mesh.configFor(mesh.sidecar('webapp'));
  expectCall(webapp, { ...plaintext, port: 8080, host: 'webapp' }, { cluster: 'inbound|8080||', error: undefined });
});

test('the oldest namespace policy wins; a younger one is ignored', () => {
  const older = policy('istioinaction', 'zz-old', '{ mtls: { mode: STRICT } }', '2024-01-01T00:00:00Z');
  const younger = policy('istioinaction', 'aa-new', '{ mtls: { mode: DISABLE } }', '2024-06-01T00:00:00Z');
  const c = catalog(younger + older);
  expectCall(c, plaintext, { error: 'NoFilterChain' });
  expectCall(c, mtls, { cluster: INBOUND, error: undefined });
});

test('a TCP port DISABLE under a STRICT workload: plaintext and TLS alike pass (no inspection there), STRICT ports refuse plaintext', () => {
  const tcpEcho = `
apiVersion: v1
kind: Service
metadata: { name: tcp-echo, namespace: istioinaction }
spec: { selector: { app: catalog }, ports: [{ name: tcp, port: 9000, targetPort: 9000 }] }
---`;
  const wl = policy('istioinaction', 'catalog', '{ selector: { matchLabels: { app: catalog } }, mtls: { mode: STRICT }, portLevelMtls: { 9000: { mode: DISABLE } } }');
  const c = catalog(tcpEcho + wl);
  const tcp: Call = { callMode: 'inbound', port: 9000, protocol: 'tcp' };
  expectCall(c, tcp, { filterChain: '0.0.0.0_9000', cluster: 'inbound|9000||', error: undefined });
  expectCall(c, { ...tcp, protocol: 'tls', alpn: ['istio-peer-exchange', 'istio'] }, { cluster: 'inbound|9000||', error: undefined });
  expectCall(c, plaintext, { error: 'NoFilterChain' });
});

test('auto mTLS from webapp to catalog: socket matches and tlsMode istio on the injected pods, plaintext once catalog\'s namespace is DISABLE', () => {
  const clusterOf = (yaml: string) => {
    const mesh = meshOf([], yaml, SDS);
    const web = mesh.configFor(mesh.sidecar('webapp'));
    const name = 'outbound|80||catalog.istioinaction.svc.cluster.local';
    const cluster = web.clusters.find((x) => x.name === name);
    const cla = web.endpoints?.find((x) => x.clusterName === name);
    assert.ok(cluster && cla);
    const tlsModes = cla.endpoints.flatMap((l) => l.lbEndpoints.map((e) => e.metadata?.filterMetadata['envoy.transport_socket_match']?.['tlsMode']));
    return { matches: cluster.transportSocketMatches.map((m) => m.name), tlsModes };
  };
  assert.deepEqual(clusterOf(''), { matches: ['tlsMode-istio', 'tlsMode-disabled'], tlsModes: ['istio'] });
  assert.deepEqual(clusterOf(MESH_STRICT), { matches: ['tlsMode-istio', 'tlsMode-disabled'], tlsModes: ['istio'] });
  assert.deepEqual(clusterOf(policy('istioinaction', 'default', '{ mtls: { mode: DISABLE } }')), { matches: [], tlsModes: [undefined] });
});

test('the ingress gateway\'s listeners do not change under PeerAuthentication', () => {
  const gw = (yaml: string) => {
    const mesh = meshOf(['ch4/coolstore-gw.yaml'], yaml, SDS);
    return mesh.configFor(mesh.gateway()).listeners;
  };
  const plain = gw('');
  assert.ok(plain.length > 0);
  assert.deepEqual(gw(MESH_STRICT + policy('istio-system', 'gw', '{ selector: { matchLabels: { istio: ingressgateway } }, mtls: { mode: STRICT } }')), plain);
});
