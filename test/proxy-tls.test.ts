// TLS through a real proxy process: HTTPS listeners (curl over HTTP/1.1 and HTTP/2 by ALPN), client
// certificates required, filter chains chosen by SNI, and TLS to upstreams with SNI and CA checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { curl } from './lib/curl.js';
import { makeTestPki, type TestPki } from './lib/tls-certs.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

let pki: TestPki;
let echo: EchoUpstream;
let up1: https.Server;
let up2: http2.Http2SecureServer;
let proxy: RunningProxy;

function hcm(prefix: string, routes: unknown[]): unknown {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM, stat_prefix: prefix, http_filters: [{ name: 'envoy.filters.http.router' }],
      route_config: { name: prefix, virtual_hosts: [{ name: 'all', domains: ['*'], routes }] },
    },
  };
}

function direct(body: string): unknown[] {
  return [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: body } } }];
}

function serverTls(cert: string, key: string, extra: Record<string, unknown> = {}, common: Record<string, unknown> = {}): unknown {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': DOWNSTREAM_TLS,
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { filename: cert }, private_key: { filename: key } }],
        alpn_protocols: ['h2', 'http/1.1'],
        ...common,
      },
      ...extra,
    },
  };
}

function upstreamCluster(name: string, port: number, tls: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return {
    name, connect_timeout: '2s', type: 'STATIC',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [
      { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
    transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS, ...tls } },
    ...extra,
  };
}

function listener(name: string, chains: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { name, address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: chains, ...extra };
}

before(async () => {
  pki = makeTestPki();
  echo = await startEchoUpstream('echo');
  const tlsReport = (s: TLSSocket): Record<string, unknown> => ({ sni: s.servername || '', alpn: s.alpnProtocol || '' });
  up1 = https.createServer({ key: pki.read(pki.serverKey), cert: pki.read(pki.serverCert) },
    (req, res) => res.end(JSON.stringify({ ...tlsReport(req.socket as TLSSocket), path: req.url, version: req.httpVersion })));
  await new Promise<void>((r) => up1.listen(0, '127.0.0.1', r));
  up2 = http2.createSecureServer({ key: pki.read(pki.serverKey), cert: pki.read(pki.serverCert) });
  up2.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200 });
    stream.end(JSON.stringify({ ...tlsReport(stream.session!.socket as TLSSocket), path: headers[':path'], version: '2' }));
  });
  await new Promise<void>((r) => up2.listen(0, '127.0.0.1', r));
  const up1Port = (up1.address() as AddressInfo).port;
  const up2Port = (up2.address() as AddressInfo).port;
  const verify = { trusted_ca: { filename: pki.caCert },
    match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'example.com' } }] };

  const config = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        listener('https', [{
          transport_socket: serverTls(pki.serverCert, pki.serverKey),
          filters: [hcm('https', [{ match: { prefix: '/' }, route: { cluster: 'echo' } }])],
        }]),
        listener('mtls', [{
          transport_socket: serverTls(pki.serverCert, pki.serverKey, { require_client_certificate: true }, {
            validation_context: { trusted_ca: { filename: pki.caCert }, match_typed_subject_alt_names: [
              { san_type: 'URI', matcher: { prefix: 'spiffe://cluster.local/ns/default/' } }] },
          }),
          filters: [hcm('mtls', direct('client verified'))],
        }]),
        listener('sni', [
          { filter_chain_match: { server_names: ['example.com'] },
            transport_socket: serverTls(pki.serverCert, pki.serverKey), filters: [hcm('sni_a', direct('chain example.com'))] },
          { filter_chain_match: { server_names: ['*.example.org'] },
            transport_socket: serverTls(pki.otherServerCert, pki.otherServerKey), filters: [hcm('sni_b', direct('chain *.example.org'))] },
        ], { listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } }] }),
        // tls_inspector off for every connection (filter_disabled any_match): no SNI, so the chain without server_names.
        listener('inspector-off', [
          { filter_chain_match: { server_names: ['example.com'] },
            transport_socket: serverTls(pki.serverCert, pki.serverKey), filters: [hcm('off_sni', direct('chain example.com'))] },
          { transport_socket: serverTls(pki.serverCert, pki.serverKey), filters: [hcm('off_any', direct('chain without server_names'))] },
        ], { listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', filter_disabled: { any_match: true }, typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } }] }),
        listener('plain', [{ filters: [hcm('plain', [
          { match: { prefix: '/h1' }, route: { cluster: 'tls_h1' } },
          { match: { prefix: '/h2' }, route: { cluster: 'tls_h2' } },
          { match: { prefix: '/wrong-ca' }, route: { cluster: 'tls_wrong_ca' } },
          { match: { prefix: '/wrong-san' }, route: { cluster: 'tls_wrong_san' } },
        ])] }]),
      ],
      clusters: [
        { name: 'echo', connect_timeout: '1s', type: 'STATIC', load_assignment: { cluster_name: 'echo', endpoints: [{
          lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: echo.port } } } }] }] } },
        upstreamCluster('tls_h1', up1Port, { sni: 'example.com', common_tls_context: { validation_context: verify } }),
        upstreamCluster('tls_h2', up2Port, { sni: 'example.com', common_tls_context: { validation_context: verify } },
          { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: {} } } } }),
        upstreamCluster('tls_wrong_ca', up1Port, { sni: 'example.com', common_tls_context: {
          validation_context: { trusted_ca: { filename: pki.otherCaCert } } } }),
        upstreamCluster('tls_wrong_san', up1Port, { sni: 'example.com', common_tls_context: {
          validation_context: { trusted_ca: { filename: pki.caCert },
            match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'not-example.com' } }] } } }),
      ],
    },
  };
  proxy = await startProxy(JSON.stringify(config, null, 2));
});

after(async () => {
  await proxy?.stop();
  up1?.close();
  up2?.close();
  await echo?.close();
  pki?.remove();
});

async function stats(): Promise<Map<string, string>> {
  const text = await (await proxy.admin('/stats')).text();
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 2));
  }
  return m;
}

async function counter(name: string): Promise<number> {
  return Number((await stats()).get(name) ?? 'NaN');
}

function resolve(host: string, port: number): string[] {
  return ['--cacert', pki.caCert, '--resolve', `${host}:${port}:127.0.0.1`];
}

test('curl --cacert reaches an HTTPS listener over HTTP/1.1; the upstream sees x-forwarded-proto https', async () => {
  const port = await proxy.listenerPort('https');
  const r = await curl(`https://example.com:${port}/hello`, [...resolve('example.com', port), '--http1.1']);
  assert.equal(r.status, 200);
  const seen = JSON.parse(r.body) as { url: string; headers: Record<string, string> };
  assert.equal(seen.url, '/hello');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.ok(await counter(`listener.127.0.0.1_${port}.ssl.handshake`) >= 1);
});

test('curl --http2 negotiates h2 by ALPN and is served by the HTTP/2 codec', async () => {
  const port = await proxy.listenerPort('https');
  const r = await curl(`https://example.com:${port}/h2`, [...resolve('example.com', port), '--http2', '-v']);
  assert.equal(r.status, 200);
  assert.match(r.raw, /^HTTP\/2 200/);
  assert.ok(await counter('http.https.downstream_cx_http2_total') >= 1);
});

test('curl without --cacert refuses the self-made certificate (the proxy serves the configured one)', async () => {
  const port = await proxy.listenerPort('https');
  await assert.rejects(curl(`https://example.com:${port}/`, ['--resolve', `example.com:${port}:127.0.0.1`]));
});

test('a listener requiring client certificates rejects curl without --cert and accepts it with one', async () => {
  const port = await proxy.listenerPort('mtls');
  await assert.rejects(curl(`https://example.com:${port}/`, resolve('example.com', port)));
  const ok = await curl(`https://example.com:${port}/`,
    [...resolve('example.com', port), '--cert', pki.clientCert, '--key', pki.clientKey]);
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'client verified');
  const prefix = `listener.127.0.0.1_${port}.ssl.`;
  assert.ok(await counter(`${prefix}fail_verify_no_cert`) >= 1);
  assert.ok(await counter(`${prefix}handshake`) >= 1);
});

test('a client certificate from the server CA but with the wrong SAN fails SAN verification', async () => {
  const port = await proxy.listenerPort('mtls');
  await assert.rejects(curl(`https://example.com:${port}/`,
    [...resolve('example.com', port), '--cert', pki.strangerCert, '--key', pki.strangerKey]));
  assert.ok(await counter(`listener.127.0.0.1_${port}.ssl.fail_verify_san`) >= 1);
});

test('SNI picks the filter chain: exact name and *.suffix wildcard; no match closes the connection', async () => {
  const port = await proxy.listenerPort('sni');
  const a = await curl(`https://example.com:${port}/`, resolve('example.com', port));
  assert.equal(a.body, 'chain example.com');
  const b = await curl(`https://www.example.org:${port}/`, resolve('www.example.org', port));
  assert.equal(b.body, 'chain *.example.org');
  await assert.rejects(curl(`https://nomatch.test:${port}/`, [...resolve('nomatch.test', port), '-k']));
  assert.equal(await counter(`listener.127.0.0.1_${port}.no_filter_chain_match`), 1);
  assert.ok(await counter('tls_inspector.sni_found') >= 3);
  assert.ok(await counter('tls_inspector.tls_found') >= 3);
});

/** A node TLS client offering `alpn`: the protocol the server selected (false: none) and its answer to a GET. */
function tlsGet(port: number, alpn: string[]): Promise<{ selected: string | false; response: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'example.com', ca: pki.read(pki.caCert), ALPNProtocols: alpn }, () => {
      const selected = s.alpnProtocol ?? false;
      let response = '';
      s.on('data', (d: Buffer) => { response += d.toString(); });
      s.on('end', () => resolve({ selected, response }));
      // Connection: close: the proxy ends the connection after its answer.
      s.write('GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
    });
    s.on('error', reject);
  });
}

test('an ALPN offer the listener shares nothing with selects none and the handshake goes on (as Envoy), with and without tls_inspector', async () => {
  for (const name of ['https', 'sni']) {
    const port = await proxy.listenerPort(name);
    const istio = await tlsGet(port, ['istio-peer-exchange', 'istio']);
    assert.equal(istio.selected, false, name);
    assert.match(istio.response, /^HTTP\/1\.1 200 /, name);
    const shared = await tlsGet(port, ['istio', 'http/1.1']);
    assert.equal(shared.selected, 'http/1.1', name);
    assert.match(shared.response, /^HTTP\/1\.1 200 /, name);
  }
});

test('filter_disabled turns tls_inspector off: the SNI is not read and the chain without server_names serves', async () => {
  const port = await proxy.listenerPort('inspector-off');
  const r = await curl(`https://example.com:${port}/`, resolve('example.com', port));
  assert.equal(r.body, 'chain without server_names');
});

test('upstream TLS: SNI and CA verification to a node https server (HTTP/1.1, ALPN http/1.1)', async () => {
  const port = await proxy.listenerPort('plain');
  const r = await curl(`http://127.0.0.1:${port}/h1/x`);
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { sni: 'example.com', alpn: 'http/1.1', path: '/h1/x', version: '1.1' });
  assert.ok(await counter('cluster.tls_h1.ssl.handshake') >= 1);
});

test('upstream TLS with HTTP/2: ALPN h2 is offered when the context sets none', async () => {
  const port = await proxy.listenerPort('plain');
  const r = await curl(`http://127.0.0.1:${port}/h2/y`);
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { sni: 'example.com', alpn: 'h2', path: '/h2/y', version: '2' });
});

test('upstream TLS with the wrong CA: 503 with Envoy\'s CERTIFICATE_VERIFY_FAILED transport failure', async () => {
  const port = await proxy.listenerPort('plain');
  const r = await curl(`http://127.0.0.1:${port}/wrong-ca`);
  assert.equal(r.status, 503);
  assert.equal(r.body, 'upstream connect error or disconnect/reset before headers. reset reason: remote connection '
    + 'failure, transport failure reason: TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:'
    + 'TLS_error_end');
  assert.ok(await counter('cluster.tls_wrong_ca.ssl.fail_verify_error') >= 1);
  assert.ok(await counter('cluster.tls_wrong_ca.upstream_cx_connect_fail') >= 1);
});

test('upstream TLS with a SAN matcher the certificate does not satisfy fails with verify SAN list', async () => {
  const port = await proxy.listenerPort('plain');
  const r = await curl(`http://127.0.0.1:${port}/wrong-san`);
  assert.equal(r.status, 503);
  assert.match(r.body, /CERTIFICATE_VERIFY_FAILED:verify cert failed: verify SAN list:TLS_error_end$/);
  assert.ok(await counter('cluster.tls_wrong_san.ssl.fail_verify_san') >= 1);
});
