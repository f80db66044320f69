// HTTP/2 connection pool tests against a real node:http2 (h2c) server on 127.0.0.1: streams
// multiplexed on one connection, the max_concurrent_streams limit, GOAWAY, and request limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Http2Server, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { JsonValue } from '@bufbuild/protobuf';
import { managerFor, staticCluster } from '../test-support.js';
import { get, until } from './pool-test-kit.js';

async function h2server(delayMs = 0): Promise<{ srv: Http2Server; port: number; sessions: Http2Session[] }> {
  const srv = createServer();
  const sessions: Http2Session[] = [];
  srv.on('session', (s: Http2Session) => sessions.push(s));
  srv.on('stream', (stream: ServerHttp2Stream, headers) => {
    const reply = (): void => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200 });
      stream.end(`h2 ${String(headers[':path'])}`);
    };
    if (delayMs > 0) setTimeout(reply, delayMs);
    else reply();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, port: (srv.address() as AddressInfo).port, sessions };
}

async function stop(srv: Http2Server, sessions: Http2Session[]): Promise<void> {
  for (const s of sessions) s.destroy();
  await new Promise<void>((r) => srv.close(() => r()));
}

async function h2cluster(port: number, h2opts: Record<string, JsonValue> = {}, extra: Record<string, JsonValue> = {}) {
  const { cm, stats } = await managerFor([staticCluster('h2', [`127.0.0.1:${port}`],
    { http2_protocol_options: h2opts, ...extra })]);
  const cluster = cm.get('h2')!;
  const pool = cluster.connPool(cluster.hostsByPriority[0][0]);
  const counter = (n: string): number => stats.counters.get(`cluster.h2.${n}`)!.value;
  const gauge = (n: string): number => stats.gauges.get(`cluster.h2.${n}`)!.value;
  return { cm, pool, counter, gauge };
}

test('HTTP/2: concurrent requests share one connection', async () => {
  const { srv, port, sessions } = await h2server(20);
  const { cm, pool, counter } = await h2cluster(port);
  try {
    const rs = await Promise.all(['/a', '/b', '/c', '/d', '/e'].map((p) => get(pool, p, 'HTTP/2')));
    assert.deepEqual(rs.map((r) => r.body), ['h2 /a', 'h2 /b', 'h2 /c', 'h2 /d', 'h2 /e']);
    assert.ok(rs.every((r) => r.protocol === 'HTTP/2' && r.head!.status === 200));
    assert.equal(counter('upstream_cx_total'), 1);
    assert.equal(counter('upstream_cx_http2_total'), 1);
    assert.equal(counter('upstream_cx_http1_total'), 0);
    assert.equal(sessions.length, 1);
  } finally {
    cm.destroy();
    await stop(srv, sessions);
  }
});

test('HTTP/2: max_concurrent_streams 2 opens a second connection for the third and fourth streams', async () => {
  const { srv, port, sessions } = await h2server(30);
  const { cm, pool, counter } = await h2cluster(port, { max_concurrent_streams: 2 });
  try {
    const rs = await Promise.all(['/1', '/2', '/3', '/4'].map((p) => get(pool, p, 'HTTP/2')));
    assert.ok(rs.every((r) => r.head?.status === 200));
    assert.equal(counter('upstream_cx_total'), 2);
  } finally {
    cm.destroy();
    await stop(srv, sessions);
  }
});

test('HTTP/2: after GOAWAY the pool opens a new connection', async () => {
  const { srv, port, sessions } = await h2server();
  const { cm, pool, counter } = await h2cluster(port);
  try {
    assert.equal((await get(pool, '/before', 'HTTP/2')).body, 'h2 /before');
    sessions[0].goaway();
    await until(() => counter('upstream_cx_close_notify') === 1);
    assert.equal((await get(pool, '/after', 'HTTP/2')).body, 'h2 /after');
    assert.equal(counter('upstream_cx_total'), 2);
  } finally {
    cm.destroy();
    await stop(srv, sessions);
  }
});

test('HTTP/2: max_requests_per_connection 1 gives every request its own connection', async () => {
  const { srv, port, sessions } = await h2server();
  const { cm, pool, counter, gauge } = await h2cluster(port, {}, { max_requests_per_connection: 1 });
  try {
    for (const p of ['/1', '/2', '/3']) assert.equal((await get(pool, p, 'HTTP/2')).body, `h2 ${p}`);
    assert.equal(counter('upstream_cx_total'), 3);
    assert.equal(counter('upstream_cx_max_requests'), 3);
    await until(() => gauge('upstream_cx_active') === 0);
  } finally {
    cm.destroy();
    await stop(srv, sessions);
  }
});
