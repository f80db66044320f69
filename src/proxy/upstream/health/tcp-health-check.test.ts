// TCP and gRPC health checks against real servers on 127.0.0.1:0: connect-only, send/receive
// payloads, a closed port, and grpc.health.v1 SERVING / NOT_SERVING over h2c.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { JsonValue } from '@bufbuild/protobuf';
import { healthFlagsToString } from '../../admin/clusters.js';
import { managerFor, staticCluster } from '../test-support.js';
import { encodeCheckRequest, servingStatus } from './grpc-health-check.js';
import { payloadMatches } from './payload-match.js';

const LIMIT = { timeout: 10_000 };

async function waitFor(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function timing(): Record<string, JsonValue> {
  return { timeout: '0.3s', interval: '0.05s', no_traffic_interval: '0.05s', unhealthy_threshold: 1, healthy_threshold: 1 };
}

/** A TCP server answering PING with `reply` (or nothing while `reply` is null). */
async function pingServer(): Promise<{ port: number; connections: () => number; setReply: (r: string | null) => void;
  close: () => Promise<void> }> {
  let reply: string | null = 'PONG';
  let count = 0;
  const sockets = new Set<Socket>();
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d) => {
      if (d.toString().includes('PING') && reply !== null) s.write(`xx${reply}yy`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    setReply: (r) => {
      reply = r;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

test('payloadMatches: every segment, in order', () => {
  const d = Buffer.from('abcPONGdefEND');
  assert.equal(payloadMatches([], d), true);
  assert.equal(payloadMatches([Buffer.from('PONG'), Buffer.from('END')], d), true);
  assert.equal(payloadMatches([Buffer.from('END'), Buffer.from('PONG')], d), false);
  assert.equal(payloadMatches([Buffer.from('PONGX')], d), false);
});

test('tcp_health_check with no payloads: a connect is a pass; a closed port fails', LIMIT, async () => {
  const up = await pingServer();
  const closed = await pingServer();
  const deadPort = closed.port;
  await closed.close();
  const { cm, stats } = await managerFor([staticCluster('tcp', [`127.0.0.1:${up.port}`, `127.0.0.1:${deadPort}`], {
    health_checks: [{ ...timing(), tcp_health_check: {} }] })]);
  try {
    const [live, dead] = cm.get('tcp')!.hostsByPriority[0];
    assert.equal(healthFlagsToString(live.healthFlags), 'healthy');
    assert.equal(healthFlagsToString(dead.healthFlags), '/failed_active_hc');
    assert.ok(stats.counters.get('cluster.tcp.health_check.network_failure')!.value >= 1);
    const n = up.connections();
    await waitFor('new connection per check', () => up.connections() >= n + 2);
  } finally {
    cm.destroy();
    await up.close();
  }
});

test('tcp_health_check send/receive: PING must be answered with PONG', LIMIT, async () => {
  const up = await pingServer();
  const hex = (s: string): string => Buffer.from(s).toString('hex');
  const { cm } = await managerFor([staticCluster('ping', [`127.0.0.1:${up.port}`], {
    health_checks: [{ ...timing(), tcp_health_check: { send: { text: hex('PING') }, receive: [{ text: hex('PONG') }] } }],
  })]);
  try {
    const h = cm.get('ping')!.hostsByPriority[0][0];
    assert.equal(h.healthFlags, 0);
    const n = up.connections();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(up.connections(), n, 'reuse_connection: one connection for many checks');
    up.setReply(null);
    await waitFor('timeout', () => h.healthFlags !== 0);
    assert.equal(healthFlagsToString(h.healthFlags), '/failed_active_hc/active_hc_timeout');
    up.setReply('PONG');
    await waitFor('healthy', () => h.healthFlags === 0);
  } finally {
    cm.destroy();
    await up.close();
  }
});

test('grpc.health.v1 messages: request encoding and status decoding', () => {
  assert.deepEqual([...encodeCheckRequest('')], [0, 0, 0, 0, 0]);
  assert.deepEqual([...encodeCheckRequest('svc')], [0, 0, 0, 0, 5, 0x0a, 3, 0x73, 0x76, 0x63]);
  assert.equal(servingStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 1])), 1);
  assert.equal(servingStatus(Buffer.from([0, 0, 0, 0, 0])), 0);
  assert.equal(servingStatus(Buffer.from([0, 0, 0, 0, 9])), -1);
});

test('grpc_health_check: SERVING passes, NOT_SERVING fails; service name is sent', LIMIT, async () => {
  let serving = 1;
  const services: string[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      services.push(body.length > 7 ? body.subarray(7).toString() : '');
      assert.equal(headers[':path'], '/grpc.health.v1.Health/Check');
      assert.equal(headers['content-type'], 'application/grpc');
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, serving]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const { cm } = await managerFor([staticCluster('grpc', [`127.0.0.1:${port}`], {
    http2_protocol_options: {},
    health_checks: [{ ...timing(), grpc_health_check: { service_name: 'catalog' } }],
  })]);
  try {
    const h = cm.get('grpc')!.hostsByPriority[0][0];
    assert.equal(h.healthFlags, 0);
    assert.equal(services[0], 'catalog');
    serving = 2;
    await waitFor('NOT_SERVING fails', () => healthFlagsToString(h.healthFlags) === '/failed_active_hc');
    serving = 1;
    await waitFor('SERVING again', () => h.healthFlags === 0);
  } finally {
    cm.destroy();
    server.close();
  }
});
