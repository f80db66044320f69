// The access log's TLS operators through two real proxies: a front proxy calls an mTLS listener with a client
// certificate; each logs what it saw of the other (%UPSTREAM_PEER_URI_SAN%, %DOWNSTREAM_PEER_URI_SAN%, subjects,
// issuer, serial, digest, validity, version), and '-' where a side has no TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { curl } from './lib/curl.js';
import { startProxy } from './lib/proxy-process.js';
import { makeTestPki } from './lib/tls-certs.js';
import { waitFor } from './lib/wait.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3';
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

const hcm = (prefix: string, logFile: string, format: string, route: unknown): unknown => ({
  name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: prefix,
    http_filters: [{ name: 'envoy.filters.http.router' }],
    access_log: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: logFile,
      log_format: { text_format_source: { inline_string: `${format}\n` } } } }],
    route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, ...route as object }] }] } },
});

const bootstrap = (listener: unknown, clusters: unknown[] = []): string => JSON.stringify({
  admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
  static_resources: { listeners: [listener], clusters },
});

const lastLine = (file: string): Promise<string> => waitFor(`a line in ${file}`, 5_000, () => {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return lines[0] === '' ? undefined : lines.at(-1);
});

test('access logs print both ends\' certificates: peer and local URI SANs, subject, issuer, serial, digest, validity', async (t) => {
  const pki = makeTestPki();
  t.after(() => pki.remove());
  const serverLog = join(pki.dir, 'server.log');
  const frontLog = join(pki.dir, 'front.log');
  const server = await startProxy(bootstrap({
    name: 'mtls', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{
      transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': `${TLS}.DownstreamTlsContext`,
        require_client_certificate: true,
        common_tls_context: {
          tls_certificates: [{ certificate_chain: { filename: pki.serverCert }, private_key: { filename: pki.serverKey } }],
          validation_context: { trusted_ca: { filename: pki.caCert } },
        } } },
      filters: [hcm('mtls', serverLog, ['%DOWNSTREAM_PEER_URI_SAN%', '%DOWNSTREAM_LOCAL_URI_SAN%', '%DOWNSTREAM_LOCAL_DNS_SAN%',
        '%DOWNSTREAM_PEER_SUBJECT%', '%DOWNSTREAM_LOCAL_SUBJECT%', '%DOWNSTREAM_PEER_ISSUER%', '%DOWNSTREAM_TLS_VERSION%',
        '%DOWNSTREAM_TLS_CIPHER%', '%DOWNSTREAM_PEER_SERIAL%', '%DOWNSTREAM_PEER_FINGERPRINT_256%', '%DOWNSTREAM_PEER_FINGERPRINT_1%',
        '%DOWNSTREAM_PEER_CERT_V_END(%Y-%m-%d)%', '%UPSTREAM_PEER_URI_SAN%'].join('|'),
      { direct_response: { status: 200, body: { inline_string: 'hello' } } })],
    }],
  }));
  t.after(() => server.stop());
  const serverPort = await server.listenerPort('mtls');
  const front = await startProxy(bootstrap({
    name: 'front', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{ filters: [hcm('front', frontLog, ['%UPSTREAM_PEER_URI_SAN%', '%UPSTREAM_PEER_DNS_SAN%', '%UPSTREAM_LOCAL_URI_SAN%',
      '%UPSTREAM_PEER_SUBJECT%', '%UPSTREAM_PEER_ISSUER%', '%UPSTREAM_TLS_VERSION%', '%UPSTREAM_PEER_CERT_V_START(%Y)%',
      '%UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%', '%DOWNSTREAM_PEER_URI_SAN%', '%DOWNSTREAM_TLS_VERSION%'].join('|'),
    { route: { cluster: 'mtls' } })] }],
  }, [{
    name: 'mtls', type: 'STATIC', connect_timeout: '2s',
    load_assignment: { cluster_name: 'mtls', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: serverPort } } } }] }] },
    transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': `${TLS}.UpstreamTlsContext`, sni: 'example.com',
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { filename: pki.clientCert }, private_key: { filename: pki.clientKey } }],
        validation_context: { trusted_ca: { filename: pki.caCert } },
      } } },
  }]));
  t.after(() => front.stop());

  const r = await curl(`http://127.0.0.1:${await front.listenerPort('front')}/`);
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hello');

  const client = new X509Certificate(readFileSync(pki.clientCert));
  const serverCert = new X509Certificate(readFileSync(pki.serverCert));
  const hex = (fp: string): string => fp.replace(/:/g, '').toLowerCase();
  const day = (d: string): string => new Date(d).toISOString().slice(0, 10);
  const [peerUri, localUri, localDns, peerSubject, localSubject, issuer, version, cipher, serial, sha256, sha1, vEnd, upstreamUri] =
    (await lastLine(serverLog)).split('|');
  assert.equal(peerUri, 'spiffe://cluster.local/ns/default/sa/client');
  assert.equal(localUri, '-', 'the server certificate has no URI SAN');
  assert.equal(localDns, 'example.com');
  assert.equal(peerSubject, 'CN=client');
  assert.equal(localSubject, 'CN=example.com');
  assert.equal(issuer, 'CN=Strait Test CA');
  // Envoy's upstream TLS stops at 1.2 by default (tls_maximum_protocol_version).
  assert.equal(version, 'TLSv1.2');
  assert.match(cipher, /^ECDHE-ECDSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$/);
  assert.equal(serial, client.serialNumber.toLowerCase());
  assert.equal(sha256, hex(client.fingerprint256));
  assert.equal(sha1, hex(client.fingerprint));
  assert.equal(vEnd, day(client.validTo));
  assert.equal(upstreamUri, '-', 'a direct response has no upstream connection');

  const [upPeerUri, upPeerDns, upLocalUri, upSubject, upIssuer, upVersion, vStart, upLocal, downPeer, downVersion] =
    (await lastLine(frontLog)).split('|');
  assert.equal(upPeerUri, '-', 'the server certificate has no URI SAN');
  assert.equal(upPeerDns, 'example.com');
  assert.equal(upLocalUri, 'spiffe://cluster.local/ns/default/sa/client');
  assert.equal(upSubject, 'CN=example.com');
  assert.equal(upIssuer, 'CN=Strait Test CA');
  assert.equal(upVersion, 'TLSv1.2');
  assert.equal(vStart, String(new Date(serverCert.validFrom).getUTCFullYear()));
  assert.equal(upLocal, '127.0.0.1');
  assert.equal(downPeer, '-', 'plaintext downstream');
  assert.equal(downVersion, '-');
});

test('an unknown TLS operator is refused at load as Envoy does', async () => {
  await assert.rejects(startProxy(bootstrap({
    name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{ filters: [hcm('l', '/dev/null', '%UPSTREAM_PEER_FINGERPRINT_256%', { direct_response: { status: 200 } })] }],
  })), /Not supported field in StreamInfo: UPSTREAM_PEER_FINGERPRINT_256/);
});
