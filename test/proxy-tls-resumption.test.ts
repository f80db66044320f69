// TLS session resumption through real proxies: an mTLS listener resumes the session openssl s_client
// saved (ssl.session_reused); a cluster resumes with its server as Envoy (max_session_keys 1, 0 = never).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { makeTestPki, type TestPki } from './lib/tls-certs.js';
import { sClient } from './lib/s-client.js';
import { curl } from './lib/curl.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const HTTP_OPTIONS = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const ADMIN = { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } };

let pki: TestPki;
let server: RunningProxy;
let client: RunningProxy | undefined;
let serverPort: number;

function hcm(prefix: string, routes: unknown[]): unknown {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM, stat_prefix: prefix, http_filters: [{ name: 'envoy.filters.http.router' }],
      route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes }] },
    },
  };
}

/** A cluster to the mTLS listener with a new connection per request; `tls` adds to its UpstreamTlsContext. */
function mtlsCluster(name: string, tls: Record<string, unknown>): unknown {
  return {
    name, type: 'STATIC', connect_timeout: '2s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [
      { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: serverPort } } } }] }] },
    typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': HTTP_OPTIONS, common_http_protocol_options: { max_requests_per_connection: 1 }, explicit_http_config: { http_protocol_options: {} } } },
    transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS, sni: 'example.com', ...tls,
      common_tls_context: {
        alpn_protocols: ['istio-peer-exchange', 'istio'],
        tls_certificates: [{ certificate_chain: { filename: pki.clientCert }, private_key: { filename: pki.clientKey } }],
        validation_context: { trusted_ca: { filename: pki.caCert }, match_typed_subject_alt_names: [
          { san_type: 'DNS', matcher: { exact: 'example.com' } }] },
      } } },
  };
}

async function counter(proxy: RunningProxy, name: string): Promise<number> {
  const text = await (await proxy.admin(`/stats?filter=${encodeURIComponent(`^${name.replace(/\./g, '\\.')}$`)}`)).text();
  const m = /: (\d+)$/m.exec(text);
  assert.ok(m, `${name} not in /stats: ${text}`);
  return Number(m[1]);
}

before(async () => {
  pki = makeTestPki();
  server = await startProxy(JSON.stringify({
    admin: ADMIN,
    static_resources: { listeners: [{
      name: 'mtls', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [{
        transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': DOWNSTREAM_TLS,
          require_client_certificate: true,
          common_tls_context: {
            alpn_protocols: ['h2', 'http/1.1'],
            tls_certificates: [{ certificate_chain: { filename: pki.serverCert }, private_key: { filename: pki.serverKey } }],
            validation_context: { trusted_ca: { filename: pki.caCert } },
          } } },
        filters: [hcm('mtls', [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'resumed or not' } } }])],
      }],
    }] },
  }));
  serverPort = await server.listenerPort('mtls');
});

after(async () => {
  await client?.stop();
  await server?.stop();
  pki?.remove();
});

test('openssl s_client resumes its saved session on the mTLS listener and is served', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-resume-'));
  try {
    const session = join(dir, 'session.pem');
    const args = ['-servername', 'example.com', '-ign_eof', '-CAfile', pki.caCert, '-verify_return_error', '-cert', pki.clientCert, '-key', pki.clientKey];
    const request = 'GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n';
    const reusedBefore = await counter(server, `listener.127.0.0.1_${serverPort}.ssl.session_reused`);
    const first = await sClient(serverPort, [...args, '-sess_out', session], request);
    assert.match(first.stdout, /^New, TLSv1\.3/m, first.stdout + first.stderr);
    assert.match(first.stdout, /\r\n\r\nresumed or not/);
    const second = await sClient(serverPort, [...args, '-sess_in', session], request);
    assert.match(second.stdout, /^Reused, TLSv1\.3/m, second.stdout + second.stderr);
    assert.match(second.stdout, /HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nresumed or not/);
    assert.equal(await counter(server, `listener.127.0.0.1_${serverPort}.ssl.session_reused`), reusedBefore + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Sends `n` requests through the client proxy's listener to `path`, each answered by the mTLS listener. */
async function requests(path: string, n: number): Promise<void> {
  client ??= await startProxy(JSON.stringify({
    admin: ADMIN,
    static_resources: {
      listeners: [{ name: 'out', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [
        hcm('out', [{ match: { prefix: '/never' }, route: { cluster: 'never' } }, { match: { prefix: '/' }, route: { cluster: 'resuming' } }])] }] }],
      clusters: [mtlsCluster('resuming', {}), mtlsCluster('never', { max_session_keys: 0 })],
    },
  }));
  const port = await client.listenerPort('out');
  for (let i = 0; i < n; i++) {
    const r = await curl(`http://127.0.0.1:${port}${path}`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, 'resumed or not');
  }
}

test('a cluster resumes its session with the mTLS listener (max_session_keys defaults to 1)', async () => {
  const serverReused = `listener.127.0.0.1_${serverPort}.ssl.session_reused`;
  const before = await counter(server, serverReused);
  await requests('/', 4);
  assert.equal(await counter(client!, 'cluster.resuming.ssl.handshake'), 4);
  assert.equal(await counter(client!, 'cluster.resuming.upstream_cx_total'), 4);
  // The first connection makes the session; the next three resume it.
  assert.equal(await counter(client!, 'cluster.resuming.ssl.session_reused'), 3);
  assert.equal(await counter(client!, 'cluster.resuming.ssl.no_certificate'), 0);
  assert.equal(await counter(server, serverReused), before + 3);
});

test('max_session_keys 0: every connection makes a full handshake', async () => {
  const serverReused = `listener.127.0.0.1_${serverPort}.ssl.session_reused`;
  const before = await counter(server, serverReused);
  await requests('/never', 3);
  assert.equal(await counter(client!, 'cluster.never.ssl.handshake'), 3);
  assert.equal(await counter(client!, 'cluster.never.ssl.session_reused'), 0);
  assert.equal(await counter(server, serverReused), before);
});
