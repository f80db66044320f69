// HTTP (and h2c) health checks against real node:http upstreams on 127.0.0.1:0 whose /health the
// test flips: what is sent, thresholds, timeouts, degraded, and the load balancer skipping failed hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { JsonValue } from '@bufbuild/protobuf';
import { healthFlagsToString } from '../../admin/clusters.js';
import { managerFor, staticCluster } from '../test-support.js';
import type { ClusterImpl } from '../cluster.js';

const LIMIT = { timeout: 10_000 };

/** How /health answers: a status, extra headers, or no answer at all ('hang'), or a dropped connection. */
type Mode = { status: number; headers?: Record<string, string> } | 'hang' | 'drop';

/** A node:http upstream whose /health behaviour the test sets. */
class HealthUpstream {
  mode: Mode = { status: 200 };
  readonly requests: http.IncomingMessage[] = [];
  /** Called as each request arrives (before it is answered). */
  onRequest: (() => void) | null = null;
  readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor() {
    this.server = http.createServer((req, res) => {
      this.requests.push(req);
      this.onRequest?.();
      const m = this.mode;
      if (m === 'hang') return;
      if (m === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(m.status, m.headers ?? {});
      res.end(m.status === 200 ? 'ok' : 'no');
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

async function waitFor(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function hc(extra: Record<string, JsonValue> = {}, http: Record<string, JsonValue> = {}): JsonValue {
  return { health_checks: [{ timeout: '0.3s', interval: '0.05s', no_traffic_interval: '0.05s', unhealthy_threshold: 2,
    healthy_threshold: 2, http_health_check: { path: '/health', ...http }, ...extra }] };
}

test('a 503 fails the host at once; two passes bring it back; the balancer skips it meanwhile', LIMIT, async () => {
  const a = await new HealthUpstream().listen();
  const b = await new HealthUpstream().listen();
  const { cm, stats } = await managerFor([staticCluster('web', [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`],
    hc() as Record<string, JsonValue>)]);
  try {
    const c = cm.get('web') as ClusterImpl;
    const [ha, hb] = c.hostsByPriority[0];
    // The cluster is warm only after the first round: both hosts passed it.
    assert.equal(healthFlagsToString(ha.healthFlags), 'healthy');
    assert.equal(healthFlagsToString(hb.healthFlags), 'healthy');
    const req = a.requests[0];
    assert.equal(req.method, 'GET');
    assert.equal(req.url, '/health');
    assert.equal(req.headers.host, 'web', 'Host defaults to the cluster name');
    assert.equal(req.headers['user-agent'], 'Envoy/HC');
    const g = (n: string): number => stats.gauges.get(`cluster.web.${n}`)!.value;
    const ctr = (n: string): number => stats.counters.get(`cluster.web.health_check.${n}`)!.value;
    assert.equal(g('health_check.healthy'), 2);

    // Flags as each check arrives: the one after the first 503 must find the host failed already.
    const flagsAtArrival: string[] = [];
    a.onRequest = () => flagsAtArrival.push(healthFlagsToString(ha.healthFlags));
    a.mode = { status: 503 };
    await waitFor('two checks answered 503', () => flagsAtArrival.length >= 2);
    a.onRequest = null;
    assert.deepEqual(flagsAtArrival.slice(0, 2), ['healthy', '/failed_active_hc'], 'failed after one 503 despite threshold 2');
    assert.equal(g('health_check.healthy'), 1);
    assert.equal(g('membership_healthy'), 1);
    assert.ok(ctr('failure') >= 1);
    assert.equal(ctr('network_failure'), 0);
    for (let i = 0; i < 20; i++) assert.equal(c.chooseHost({ head: undefined as never }), hb);

    a.mode = { status: 200 };
    const passes = ctr('success');
    await waitFor('a healthy again', () => ha.healthFlags === 0);
    assert.ok(ctr('success') - passes >= 2, 'healthy_threshold passes were needed');
    assert.equal(g('health_check.healthy'), 2);
    assert.ok(ctr('attempt') >= ctr('success') + ctr('failure') - 1);
  } finally {
    cm.destroy();
    await a.close();
    await b.close();
  }
});

test('no answer within timeout: unhealthy after unhealthy_threshold timeouts, with /active_hc_timeout', LIMIT, async () => {
  const a = await new HealthUpstream().listen();
  const { cm, stats } = await managerFor([staticCluster('slow', [`127.0.0.1:${a.port}`], hc() as Record<string, JsonValue>)]);
  try {
    const h = cm.get('slow')!.hostsByPriority[0][0];
    assert.equal(h.healthFlags, 0);
    a.mode = 'hang';
    const ctr = (n: string): number => stats.counters.get(`cluster.slow.health_check.${n}`)!.value;
    await waitFor('first timeout', () => ctr('network_failure') >= 1);
    assert.equal(h.healthFlags, 0, 'one timeout is below unhealthy_threshold 2');
    await waitFor('failed', () => h.healthFlags !== 0);
    assert.equal(healthFlagsToString(h.healthFlags), '/failed_active_hc/active_hc_timeout');
    assert.equal(ctr('network_failure'), 2);
    // A dropped connection is a network failure too; a pass clears everything.
    a.mode = 'drop';
    await waitFor('network failure', () => ctr('network_failure') >= 3);
    assert.equal(healthFlagsToString(h.healthFlags), '/failed_active_hc');
    a.mode = { status: 200 };
    await waitFor('healthy', () => h.healthFlags === 0);
  } finally {
    cm.destroy();
    await a.close();
  }
});

test('a host that is down at start stays /failed_active_hc and the cluster still warms', LIMIT, async () => {
  const a = await new HealthUpstream().listen();
  const port = a.port;
  await a.close();
  const { cm, stats } = await managerFor([staticCluster('down', [`127.0.0.1:${port}`], hc() as Record<string, JsonValue>)]);
  try {
    const h = cm.get('down')!.hostsByPriority[0][0];
    assert.equal(healthFlagsToString(h.healthFlags), '/failed_active_hc');
    assert.equal(stats.counters.get('cluster.down.health_check.network_failure')!.value >= 1, true);
    assert.equal(stats.gauges.get('cluster.down.membership_healthy')!.value, 0);
  } finally {
    cm.destroy();
  }
});

test('host, request_headers_to_add, expected and retriable statuses, x-envoy-degraded', LIMIT, async () => {
  const a = await new HealthUpstream().listen();
  a.mode = { status: 204 };
  const { cm } = await managerFor([staticCluster('opts', [`127.0.0.1:${a.port}`], hc({}, {
    host: 'health.example', request_headers_to_add: [{ header: { key: 'x-probe', value: 'strait' } }],
    expected_statuses: [{ start: 200, end: 300 }], retriable_statuses: [{ start: 429, end: 430 }],
  }) as Record<string, JsonValue>)]);
  try {
    const h = cm.get('opts')!.hostsByPriority[0][0];
    assert.equal(h.healthFlags, 0, '204 is in 200-299');
    assert.equal(a.requests[0].headers.host, 'health.example');
    assert.equal(a.requests[0].headers['x-probe'], 'strait');
    a.mode = { status: 200, headers: { 'x-envoy-degraded': '1' } };
    await waitFor('degraded', () => healthFlagsToString(h.healthFlags) === '/degraded_active_hc');
    a.mode = { status: 429 };
    const seen = a.requests.length;
    await waitFor('two retriable failures', () => h.healthFlags !== 0 && h.healthFlags !== 8);
    assert.ok(a.requests.length - seen >= 2, 'a retriable status waits for unhealthy_threshold');
    assert.ok(healthFlagsToString(h.healthFlags).startsWith('/failed_active_hc'));
  } finally {
    cm.destroy();
    await a.close();
  }
});

test('codec_client_type HTTP2 checks an h2c upstream', LIMIT, async () => {
  let status = 200;
  const seen: http2.IncomingHttpHeaders[] = [];
  const server = http2.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(status);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const { cm } = await managerFor([staticCluster('h2', [`127.0.0.1:${port}`], hc({},
    { codec_client_type: 'HTTP2' }) as Record<string, JsonValue>)]);
  try {
    const h = cm.get('h2')!.hostsByPriority[0][0];
    assert.equal(h.healthFlags, 0);
    assert.equal(seen[0][':path'], '/health');
    assert.equal(seen[0][':authority'], 'h2');
    status = 500;
    await waitFor('failed', () => h.healthFlags !== 0);
    const before = seen.length;
    await waitFor('more checks', () => seen.length > before + 2);
  } finally {
    cm.destroy();
    server.close();
    await new Promise((r) => setTimeout(r, 10));
  }
});

test('destroying the cluster stops the checks', LIMIT, async () => {
  const a = await new HealthUpstream().listen();
  const { cm } = await managerFor([staticCluster('gone', [`127.0.0.1:${a.port}`], hc() as Record<string, JsonValue>)]);
  await waitFor('a few checks', () => a.requests.length >= 3);
  cm.destroy();
  await new Promise((r) => setTimeout(r, 30));
  const n = a.requests.length;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(a.requests.length, n);
  await a.close();
});
