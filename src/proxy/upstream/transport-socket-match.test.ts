// transport_socket_matches against real servers on 127.0.0.1: an mTLS host picked by endpoint
// metadata and a plaintext one by the empty match (Istio's auto-mTLS), and TLS errors at load time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { JsonValue } from '@bufbuild/protobuf';
import { ClusterConfigError } from './cluster-manager.js';
import { get } from './pool/pool-test-kit.js';
import { managerFor } from './test-support.js';

let dir = '';
let cert = '';
let key = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-tsm-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=catalog', '-addext', 'subjectAltName=DNS:catalog'],
  { stdio: 'ignore' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function listening(srv: Server): Promise<number> {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}

/** Istio's auto-mTLS cluster: tlsMode-istio (mTLS with files) first, tlsMode-disabled (raw_buffer) for the rest. */
function autoMtlsCluster(tlsPort: number, plainPort: number, caFile: string): JsonValue {
  return {
    name: 'catalog', type: 'STATIC',
    load_assignment: { cluster_name: 'catalog', endpoints: [{ lb_endpoints: [
      { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: tlsPort } } },
        metadata: { filter_metadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } } } },
      { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: plainPort } } } },
    ] }] },
    transport_socket_matches: [
      { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: { name: 'envoy.transport_sockets.tls',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          sni: 'outbound_.80_._.catalog.istioinaction.svc.cluster.local',
          common_tls_context: {
            alpn_protocols: ['istio-peer-exchange', 'istio'],
            tls_certificates: [{ certificate_chain: { filename: cert }, private_key: { filename: key } }],
            validation_context: { trusted_ca: { filename: caFile } },
          } } } },
      { name: 'tlsMode-disabled', match: {}, transport_socket: { name: 'envoy.transport_sockets.raw_buffer',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } } },
    ],
  };
}

test('auto-mTLS: the tlsMode=istio host gets mTLS with SNI and ALPN, the other plaintext', async () => {
  const tlsSrv = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(cert),
    requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['istio'] }, (req, res) => {
    const s = req.socket as TLSSocket;
    res.end(`tls ${(s as { servername?: string }).servername} ${String(s.alpnProtocol)} ${s.getPeerCertificate().subject.CN}`);
  });
  const plainSrv = createHttpServer((_req, res) => res.end('plain'));
  const [tlsPort, plainPort] = [await listening(tlsSrv), await listening(plainSrv)];
  const { cm, stats } = await managerFor([autoMtlsCluster(tlsPort, plainPort, cert)]);
  try {
    const cluster = cm.get('catalog')!;
    const [tlsHost, plainHost] = cluster.hostsByPriority[0];
    assert.equal((await get(cluster.connPool(tlsHost), '/')).body,
      'tls outbound_.80_._.catalog.istioinaction.svc.cluster.local istio catalog');
    assert.equal((await get(cluster.connPool(plainHost), '/')).body, 'plain');
    const c = (n: string): number | undefined => stats.counters.get(`cluster.catalog.${n}`)?.value;
    assert.equal(c('tlsMode-istio.total_match_count'), 1);
    assert.equal(c('tlsMode-disabled.total_match_count'), 1);
    assert.equal(c('default.total_match_count'), 0);
    assert.equal(c('ssl.handshake'), 1);
  } finally {
    cm.destroy();
    plainSrv.closeAllConnections();
    tlsSrv.closeAllConnections();
    await Promise.all([new Promise((r) => tlsSrv.close(r)), new Promise((r) => plainSrv.close(r))]);
  }
});

test('a bad TLS config in a match is rejected when the cluster loads, naming the field', async () => {
  await assert.rejects(managerFor([autoMtlsCluster(1, 2, join(dir, 'missing-ca.pem'))]), (e: unknown) => {
    assert.ok(e instanceof ClusterConfigError);
    assert.match(e.message, /transport_socket_matches\[0\]\.transport_socket\.typed_config/);
    assert.match(e.message, /missing-ca\.pem/);
    return true;
  });
});
