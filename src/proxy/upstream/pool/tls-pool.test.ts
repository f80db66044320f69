// Connection pools over upstream TLS against real servers on 127.0.0.1: HTTPS with ssl.* stats, a
// plain-text server (WRONG_VERSION_NUMBER), and a silent one (connect_timeout covers the handshake).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonValue } from '@bufbuild/protobuf';
import { managerFor, staticCluster } from '../test-support.js';
import { get, open } from './pool-test-kit.js';

let dir = '';
let cert = '';
let key = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-tlspool-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=upstream.test', '-addext', 'subjectAltName=DNS:upstream.test'],
  { stdio: 'ignore' });
});

after(() => rmSync(dir, { recursive: true, force: true }));

function tlsCluster(port: number, extra: Record<string, JsonValue> = {}) {
  return managerFor([staticCluster('up', [`127.0.0.1:${port}`], {
    transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      sni: 'upstream.test',
      common_tls_context: { validation_context: { trusted_ca: { filename: cert },
        match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'upstream.test' } }] } },
    } },
    ...extra,
  })]);
}

async function listening<T extends Server>(srv: T): Promise<number> {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}

test('an HTTPS upstream: the request goes over TLS with SNI; ssl.handshake and the cipher are counted', async () => {
  const srv = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) },
    (req, res) => res.end(`${(req.socket as { servername?: string }).servername} ${req.url}`));
  const port = await listening(srv);
  const { cm, stats } = await tlsCluster(port);
  try {
    const cluster = cm.get('up')!;
    const pool = cluster.connPool(cluster.hostsByPriority[0][0]);
    assert.equal((await get(pool, '/a')).body, 'upstream.test /a');
    assert.equal((await get(pool, '/b')).body, 'upstream.test /b');
    const c = (n: string): number | undefined => stats.counters.get(`cluster.up.${n}`)?.value;
    assert.equal(c('ssl.handshake'), 1, 'the second request reuses the TLS connection');
    assert.equal(c('upstream_cx_total'), 1);
    assert.ok([...stats.counters.keys()].some((k) => k.startsWith('cluster.up.ssl.ciphers.')));
    assert.equal(c('ssl.versions.TLSv1.2'), 1, "Envoy's client default maximum is TLS 1.2");
  } finally {
    cm.destroy();
    await new Promise((r) => srv.close(r));
  }
});

test('a plain-text upstream answers the ClientHello with HTTP: WRONG_VERSION_NUMBER, a connect failure', async () => {
  const srv = createHttpServer((_req, res) => res.end('plain'));
  const port = await listening(srv);
  const { cm, stats } = await tlsCluster(port);
  try {
    const cluster = cm.get('up')!;
    const { rec } = open(cluster.connPool(cluster.hostsByPriority[0][0]));
    await rec.done;
    assert.deepEqual(rec.failure, { reason: 'remote connection failure',
      transportFailure: 'TLS_error:|268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end' });
    assert.equal(stats.counters.get('cluster.up.upstream_cx_connect_fail')?.value, 1);
    assert.equal(stats.counters.get('cluster.up.ssl.connection_error')?.value, 1);
  } finally {
    cm.destroy();
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
});

test('connect_timeout covers the TLS handshake: a server that never answers times the connection out', async () => {
  const sockets: Socket[] = [];
  const srv = createNetServer((s) => sockets.push(s));
  const port = await listening(srv);
  const { cm, stats } = await tlsCluster(port, { connect_timeout: '0.2s' });
  try {
    const cluster = cm.get('up')!;
    const started = Date.now();
    const { rec } = open(cluster.connPool(cluster.hostsByPriority[0][0]));
    await rec.done;
    assert.deepEqual(rec.failure, { reason: 'connection timeout', transportFailure: '' });
    assert.ok(Date.now() - started >= 190);
    assert.equal(stats.counters.get('cluster.up.upstream_cx_connect_timeout')?.value, 1);
  } finally {
    cm.destroy();
    for (const s of sockets) s.destroy();
    await new Promise((r) => srv.close(r));
  }
});
