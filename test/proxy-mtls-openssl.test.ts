// An mTLS listener through a real proxy with `openssl s_client` as the client: a client certificate
// from the trusted CA gets the HTTP answer; without one the connection is refused (fail_verify_no_cert).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy } from './lib/proxy-process.js';
import { makeTestPki } from './lib/tls-certs.js';
import { sClient } from './lib/s-client.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';

test('openssl s_client with a client certificate reaches the mTLS listener; without one it is refused', async () => {
  const pki = makeTestPki();
  const proxy = await startProxy(JSON.stringify({
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: { listeners: [{
      name: 'mtls', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [{
        transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': DOWNSTREAM_TLS,
          require_client_certificate: true,
          common_tls_context: {
            tls_certificates: [{ certificate_chain: { filename: pki.serverCert }, private_key: { filename: pki.serverKey } }],
            validation_context: { trusted_ca: { filename: pki.caCert } },
          } } },
        filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM,
          stat_prefix: 'mtls', http_filters: [{ name: 'envoy.filters.http.router' }],
          route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' },
            direct_response: { status: 200, body: { inline_string: 'hello mtls' } } }] }] } } }],
      }],
    }] },
  }));
  try {
    const port = await proxy.listenerPort('mtls');
    const quiet = ['-servername', 'example.com', '-quiet'];
    const request = 'GET /hello HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n';
    const ok = await sClient(port, [...quiet, '-CAfile', pki.caCert, '-verify_return_error', '-cert', pki.clientCert,
      '-key', pki.clientKey], request);
    assert.match(ok.stdout, /^HTTP\/1\.1 200 OK\r\n/, `${ok.stdout}\n${ok.stderr}`);
    assert.match(ok.stdout, /\r\n\r\nhello mtls$/);

    const refused = await sClient(port, [...quiet, '-CAfile', pki.caCert, '-verify_return_error'], request);
    assert.doesNotMatch(refused.stdout, /HTTP\/1\.1/, refused.stdout);
    // TLS 1.3: the server's refusal arrives as alert 116 after the client's side of the handshake.
    assert.match(refused.stderr, /alert certificate required/, refused.stderr);
    assert.notEqual(refused.code, 0);
    const stats = await (await proxy.admin(`/stats?filter=listener.127.0.0.1_${port}.ssl.`)).text();
    assert.match(stats, new RegExp(`^listener\\.127\\.0\\.0\\.1_${port}\\.ssl\\.fail_verify_no_cert: 1$`, 'm'), stats);
    assert.match(stats, new RegExp(`^listener\\.127\\.0\\.0\\.1_${port}\\.ssl\\.handshake: 1$`, 'm'), stats);
  } finally {
    await proxy.stop();
    pki.remove();
  }
});
