// HTTP/1 connection pool tests against a real node:http server on 127.0.0.1: reuse, circuit
// breakers, pending queue, max requests per connection, Connection: close, idle timeout, drain,
// connect failures (refused, timeout) and the connection stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import type { JsonValue } from '@bufbuild/protobuf';
import { HeaderMap } from '../../http/headers.js';
import { managerFor, staticCluster } from '../test-support.js';
import type { Cluster, ConnPool } from '../types.js';
import { get, open, until } from './pool-test-kit.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function server(handler: Handler): Promise<{ srv: Server; port: number }> {
  const srv = createHttpServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, port: (srv.address() as AddressInfo).port };
}

async function stop(srv: Server): Promise<void> {
  srv.closeAllConnections();
  await new Promise<void>((r) => srv.close(() => r()));
}

const echoPath: Handler = (req, res) => res.end(`path=${req.url}`);

async function clusterOn(port: number, extra: Record<string, JsonValue> = {}) {
  const { cm, stats } = await managerFor([staticCluster('up', [`127.0.0.1:${port}`], extra)]);
  const cluster = cm.get('up')!;
  const host = cluster.hostsByPriority[0][0];
  const counter = (n: string): number => stats.counters.get(`cluster.up.${n}`)!.value;
  const gauge = (n: string): number => stats.gauges.get(`cluster.up.${n}`)!.value;
  return { cm, cluster, host, pool: cluster.connPool(host), counter, gauge, stats };
}

test('a request goes through a pooled connection; the next one reuses it; callbacks are async', async () => {
  const { srv, port } = await server(echoPath);
  const { cm, pool, host, counter, gauge, stats } = await clusterOn(port);
  try {
    const r1 = await get(pool, '/one');
    assert.equal(r1.failure, null);
    assert.equal(r1.calledSynchronously, false);
    assert.equal(r1.protocol, 'HTTP/1.1');
    assert.equal(r1.head!.status, 200);
    assert.equal(r1.body, 'path=/one');
    const r2 = await get(pool, '/two');
    assert.equal(r2.calledSynchronously, false, 'a ready connection still answers on a later tick');
    assert.equal(r2.body, 'path=/two');
    assert.equal(counter('upstream_cx_total'), 1);
    assert.equal(counter('upstream_cx_http1_total'), 1);
    assert.equal(gauge('upstream_cx_active'), 1);
    assert.equal(host.stats.cx_total, 1);
    assert.equal(host.stats.cx_active, 1);
    assert.equal(counter('upstream_rq_pending_total'), 1, 'only the first request waited for a connection');
    assert.equal(gauge('upstream_rq_pending_active'), 0);
    assert.equal(cm.get('up')!.connPool(host), pool, 'the cluster keeps one pool per host');
    assert.equal(stats.histograms.get('cluster.up.upstream_cx_connect_ms')!.count, 1);
  } finally {
    cm.destroy();
    await stop(srv);
  }
  assert.equal(counter('upstream_cx_destroy_local'), 1);
  assert.ok(counter('upstream_cx_rx_bytes_total') > 0);
  assert.ok(counter('upstream_cx_tx_bytes_total') > 0);
  assert.equal(gauge('upstream_cx_active'), 0);
});

test('concurrent requests open one connection each; idle ones are reused LIFO', async () => {
  const { srv, port } = await server((req, res) => setTimeout(() => res.end(String(req.socket.remotePort)), 30));
  const { cm, pool, counter } = await clusterOn(port);
  try {
    const rs = await Promise.all([get(pool, '/a'), get(pool, '/b'), get(pool, '/c')]);
    assert.deepEqual(rs.map((r) => r.head!.status), [200, 200, 200]);
    assert.equal(counter('upstream_cx_total'), 3);
    const last = (await get(pool, '/d')).body;
    const again = (await get(pool, '/e')).body;
    assert.equal(last, again, 'sequential requests stay on the most recently used connection');
    assert.equal(counter('upstream_cx_total'), 3);
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('connecting to a closed port fails with remote connection failure and Envoy\'s transport text', async () => {
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const { cm, pool, host, counter, gauge, cluster } = await clusterOn(port);
  try {
    const { rec } = open(pool);
    await rec.done;
    assert.equal(rec.calledSynchronously, false);
    assert.deepEqual(rec.failure, { reason: 'remote connection failure',
      transportFailure: 'delayed connect error: Connection refused' });
    assert.equal(counter('upstream_cx_connect_fail'), 1);
    assert.equal(counter('upstream_rq_pending_failure_eject'), 1);
    assert.equal(counter('upstream_cx_destroy_remote'), 1);
    assert.equal(gauge('upstream_cx_active'), 0);
    assert.equal(gauge('upstream_rq_pending_active'), 0);
    assert.equal(host.stats.cx_connect_fail, 1);
    assert.equal(cluster.info.resourceManagers[0].connections.count, 0);
    assert.equal(cluster.info.resourceManagers[0].pendingRequests.count, 0);
  } finally {
    cm.destroy();
  }
});

test('max_connections: requests queue for the one connection; upstream_cx_overflow counts', async () => {
  const { srv, port } = await server((req, res) => setTimeout(() => res.end(req.url), 20));
  const { cm, pool, counter, gauge } = await clusterOn(port, {
    circuit_breakers: { thresholds: [{ max_connections: 1 }] } });
  try {
    const rs = await Promise.all([get(pool, '/1'), get(pool, '/2'), get(pool, '/3')]);
    assert.deepEqual(rs.map((r) => r.body), ['/1', '/2', '/3']);
    assert.equal(counter('upstream_cx_total'), 1);
    assert.equal(counter('upstream_cx_overflow'), 2);
    assert.equal(counter('upstream_rq_pending_total'), 3);
    assert.equal(gauge('upstream_rq_pending_active'), 0);
    assert.equal(gauge('circuit_breakers.default.cx_open'), 1, 'the one connection is the whole budget');
  } finally {
    cm.destroy();
    await stop(srv);
  }
  assert.equal(gauge('circuit_breakers.default.cx_open'), 0);
});

test('max_pending_requests: a request over the pending limit gets null', async () => {
  const { srv, port } = await server(echoPath);
  const { cm, pool, counter, gauge } = await clusterOn(port, {
    circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 1 }] } });
  try {
    const a = open(pool);
    assert.notEqual(a.handle, null);
    const b = open(pool);
    assert.equal(b.handle, null);
    assert.equal(gauge('circuit_breakers.default.rq_pending_open'), 1);
    await a.rec.settled;
    assert.equal(gauge('circuit_breakers.default.rq_pending_open'), 0);
    // The router counts upstream_rq_pending_overflow when it gets null; the pool does not count it twice.
    assert.equal(counter('upstream_rq_pending_overflow'), 0);
    a.rec.encoder!.encodeHeaders({ method: 'GET', path: '/', authority: 'x', scheme: 'http', protocol: 'HTTP/1.1',
      headers: new HeaderMap() }, true);
    await a.rec.done;
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('a HIGH priority pool is separate and counts against the HIGH thresholds', async () => {
  const { srv, port } = await server(echoPath);
  const { cm, cluster, host, pool, gauge } = await clusterOn(port, {
    circuit_breakers: { thresholds: [{ max_pending_requests: 1 }, { priority: 'HIGH', max_pending_requests: 3 }] } });
  try {
    const high = cluster.connPool(host, 1);
    assert.notEqual(high, pool);
    const opened = [open(high), open(high), open(high)];
    assert.ok(opened.every((o) => o.handle !== null), 'three pending under HIGH max_pending_requests 3');
    assert.equal(gauge('circuit_breakers.high.rq_pending_open'), 1);
    assert.equal(gauge('circuit_breakers.default.rq_pending_open'), 0);
    assert.notEqual(open(pool).handle, null, 'DEFAULT has its own budget');
    for (const o of opened) o.handle!.cancel();
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('cancelling a pending request counts upstream_rq_cancelled and closes the excess connection', async () => {
  const { srv, port } = await server(echoPath);
  const { cm, pool, counter, gauge } = await clusterOn(port);
  try {
    const { rec, handle } = open(pool);
    handle!.cancel();
    assert.equal(counter('upstream_rq_cancelled'), 1);
    assert.equal(gauge('upstream_rq_pending_active'), 0);
    assert.equal(gauge('upstream_cx_active'), 0);
    assert.equal(counter('upstream_cx_connect_fail'), 0);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(rec.encoder, null);
    assert.equal(rec.failure, null);
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('max_requests_per_connection: the connection closes after its last request', async () => {
  const { srv, port } = await server(echoPath);
  const { cm, pool, counter } = await clusterOn(port, { max_requests_per_connection: 2 });
  try {
    for (const p of ['/1', '/2', '/3']) assert.equal((await get(pool, p)).body, `path=${p}`);
    assert.equal(counter('upstream_cx_total'), 2);
    assert.equal(counter('upstream_cx_max_requests'), 1);
    await until(() => counter('upstream_cx_destroy_local') === 1);
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('Connection: close from upstream: close_notify, and the next request opens a new connection', async () => {
  const { srv, port } = await server((_req, res) => {
    res.setHeader('connection', 'close');
    res.end('bye');
  });
  const { cm, pool, counter, gauge } = await clusterOn(port);
  try {
    assert.equal((await get(pool, '/')).body, 'bye');
    await until(() => gauge('upstream_cx_active') === 0);
    assert.equal(counter('upstream_cx_close_notify'), 1);
    assert.equal((await get(pool, '/')).body, 'bye');
    assert.equal(counter('upstream_cx_total'), 2);
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('an upstream that closes idle connections is noticed; the next request reconnects', async () => {
  const sockets: Socket[] = [];
  const { srv, port } = await server(echoPath);
  srv.on('connection', (s: Socket) => sockets.push(s));
  const { cm, pool, counter, gauge } = await clusterOn(port);
  try {
    await get(pool, '/x');
    for (const s of sockets) s.destroy();
    await until(() => gauge('upstream_cx_active') === 0);
    assert.equal(counter('upstream_cx_destroy_remote'), 1);
    assert.equal(counter('upstream_cx_destroy_with_active_rq'), 0);
    assert.equal((await get(pool, '/y')).body, 'path=/y');
    assert.equal(counter('upstream_cx_total'), 2);
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('an upstream that dies mid-response resets the stream; destroy_remote_with_active_rq counts', async () => {
  const { srv, port } = await server((_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const { cm, pool, counter, gauge } = await clusterOn(port);
  try {
    const r = await get(pool, '/');
    assert.equal(r.head?.status, 200);
    assert.equal(r.reset, 'connection termination');
    await until(() => gauge('upstream_cx_active') === 0);
    assert.equal(counter('upstream_cx_destroy_remote'), 1);
    assert.equal(counter('upstream_cx_destroy_remote_with_active_rq'), 1);
    assert.equal(counter('upstream_cx_destroy_with_active_rq'), 1);
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('idle_timeout closes idle connections and counts upstream_cx_idle_timeout', async () => {
  const { srv, port } = await server(echoPath);
  const { cm, pool, counter, gauge } = await clusterOn(port, {
    typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      common_http_protocol_options: { idle_timeout: '0.1s' }, explicit_http_config: { http_protocol_options: {} } } },
  });
  try {
    await get(pool, '/');
    assert.equal(gauge('upstream_cx_active'), 1);
    await until(() => gauge('upstream_cx_active') === 0, 1500);
    assert.equal(counter('upstream_cx_idle_timeout'), 1);
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('max_connection_duration: the connection drains after the duration; the next request opens a new one', async () => {
  const { srv, port } = await server(echoPath);
  const { cm, pool, counter, gauge } = await clusterOn(port, {
    typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      common_http_protocol_options: { max_connection_duration: '0.15s' }, explicit_http_config: { http_protocol_options: {} } } },
  });
  try {
    await get(pool, '/');
    await get(pool, '/');
    assert.equal(counter('upstream_cx_total'), 1, 'reused within the duration');
    await until(() => gauge('upstream_cx_active') === 0, 1500);
    assert.equal(counter('upstream_cx_max_duration_reached'), 1);
    assert.equal(counter('upstream_cx_idle_timeout'), 0);
    await get(pool, '/');
    assert.equal(counter('upstream_cx_total'), 2);
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('drain closes idle connections; the cluster then hands out a fresh pool', async () => {
  const { srv, port } = await server(echoPath);
  const { cm, pool, host, cluster, gauge, counter } = await clusterOn(port);
  try {
    await get(pool, '/');
    pool.drain();
    assert.equal(gauge('upstream_cx_active'), 0);
    const { rec } = open(pool);
    await rec.done;
    assert.equal(rec.failure?.reason, 'local connection failure');
    const fresh: ConnPool = (cluster as Cluster).connPool(host);
    assert.notEqual(fresh, pool);
    assert.equal((await get(fresh, '/again')).body, 'path=/again');
    assert.equal(counter('upstream_cx_total'), 2);
  } finally {
    cm.destroy();
    await stop(srv);
  }
});

test('connect_timeout: a listener whose backlog is full never answers; the pool reports connection timeout', async (t) => {
  // A python listener with backlog 0 that never accepts: once its queue is full, SYNs are dropped.
  const py = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\n'
    + 's.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(20)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const fillers: Socket[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      py.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      py.once('error', reject);
      py.once('exit', () => reject(new Error('python exited')));
    }).catch(() => 0);
    if (port === 0) {
      t.skip('python3 not available to hold a full-backlog listener');
      return;
    }
    for (let i = 0; i < 3; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      fillers.push(s);
    }
    await new Promise((r) => setTimeout(r, 100));
    const { cm, pool, counter } = await clusterOn(port, { connect_timeout: '0.2s' });
    try {
      const started = Date.now();
      const { rec } = open(pool);
      await rec.done;
      assert.deepEqual(rec.failure, { reason: 'connection timeout', transportFailure: '' });
      assert.ok(Date.now() - started >= 190);
      assert.equal(counter('upstream_cx_connect_timeout'), 1);
      assert.equal(counter('upstream_cx_connect_fail'), 1);
      assert.equal(counter('upstream_cx_destroy_local'), 1);
    } finally {
      cm.destroy();
    }
  } finally {
    for (const s of fillers) s.destroy();
    py.kill();
  }
});
