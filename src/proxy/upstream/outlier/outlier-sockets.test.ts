// Outlier detection with real sockets and real time: three node:http upstreams on 127.0.0.1:0, one
// answering 500. Requests go through the cluster's balancer and pools and report results the way
// the router does; the bad host gets ejected, skipped, brought back, and ejected for longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HeaderMap } from '../../http/headers.js';
import { healthFlagsToString } from '../../admin/clusters.js';
import type { ClusterImpl } from '../cluster.js';
import { Recorder } from '../pool/pool-test-kit.js';
import { managerFor, staticCluster } from '../test-support.js';
import { OutlierResult, type Host } from '../types.js';

const LIMIT = { timeout: 10_000 };

interface Upstream {
  port: number;
  status: number;
  hits: number;
  close(): Promise<void>;
}

async function upstream(status: number): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const u = { port: 0, status, hits: 0, close: async () => {} };
  const server = http.createServer((_req, res) => {
    u.hits++;
    res.writeHead(u.status, { 'content-length': '2' });
    res.end('hi');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  u.port = (server.address() as AddressInfo).port;
  u.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  };
  return u;
}

/** One request through the cluster, reported to outlier detection as the router reports it. */
async function send(c: ClusterImpl): Promise<{ host: Host; status: number }> {
  const host = c.chooseHost({ head: undefined as never })!;
  const rec = new Recorder();
  c.connPool(host).newStream(rec, rec);
  await rec.settled;
  if (rec.failure !== null) {
    host.outlier?.putResult(OutlierResult.LocalOriginConnectFailed);
    return { host, status: 503 };
  }
  host.outlier?.putResult(OutlierResult.LocalOriginConnectSuccess);
  rec.encoder!.encodeHeaders({ method: 'GET', path: '/', authority: 'svc', scheme: 'http', protocol: 'HTTP/1.1',
    headers: new HeaderMap() }, true);
  await rec.done;
  const status = rec.head?.status ?? 503;
  host.outlier?.putHttpResponseCode(status);
  return { host, status };
}

async function setup(od: Record<string, unknown>) {
  const ups = [await upstream(200), await upstream(200), await upstream(500)];
  const { cm, stats } = await managerFor([staticCluster('svc', ups.map((u) => `127.0.0.1:${u.port}`),
    { outlier_detection: od as never })]);
  const c = cm.get('svc') as ClusterImpl;
  const bad = c.hostsByPriority[0][2];
  const ctr = (n: string): number => stats.counters.get(`cluster.svc.outlier_detection.${n}`)!.value;
  const close = async (): Promise<void> => {
    cm.destroy();
    for (const u of ups) await u.close();
  };
  return { ups, c, bad, ctr, close, stats };
}

async function sendUntil(c: ClusterImpl, cond: () => boolean, max = 200): Promise<number> {
  for (let i = 0; i < max; i++) {
    if (cond()) return i;
    await send(c);
  }
  assert.fail('condition not reached');
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) assert.fail('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - start;
}

test('the host answering 500 is ejected after 5 in a row and gets no traffic while out', LIMIT, async () => {
  const { ups, c, bad, ctr, close, stats } = await setup({ max_ejection_percent: 50, interval: '0.1s',
    base_ejection_time: '0.5s' });
  try {
    await sendUntil(c, () => bad.healthFlags !== 0);
    assert.equal(ups[2].hits, 5, 'round robin: the fifth 500 ejected it');
    assert.equal(healthFlagsToString(bad.healthFlags), '/failed_outlier_check');
    assert.equal(ctr('ejections_enforced_consecutive_5xx'), 1);
    assert.equal(stats.gauges.get('cluster.svc.outlier_detection.ejections_active')!.value, 1);
    const hits = ups[2].hits;
    for (let i = 0; i < 20; i++) assert.equal((await send(c)).status, 200);
    assert.equal(ups[2].hits, hits, 'no request reached the ejected host');
    await waitFor(() => bad.healthFlags === 0);
    assert.equal(stats.gauges.get('cluster.svc.outlier_detection.ejections_active')!.value, 0);
    await sendUntil(c, () => ups[2].hits > hits);
  } finally {
    await close();
  }
});

test('each ejection soon after the last one lasts longer', { timeout: 20_000 }, async () => {
  // A 0.5 s interval leaves a loaded machine time to fail the host again (five requests) before a calm
  // interval lets the multiplier decay; ejections end on interval ticks, so they run up to 0.5 s over.
  const { c, bad, close } = await setup({ max_ejection_percent: 50, interval: '0.5s', base_ejection_time: '1.5s' });
  try {
    await sendUntil(c, () => bad.healthFlags !== 0);
    const first = await waitFor(() => bad.healthFlags === 0);
    // Back in: fail it again at once.
    await sendUntil(c, () => bad.healthFlags !== 0);
    const second = await waitFor(() => bad.healthFlags === 0, 8000);
    assert.ok(first >= 1400 && first < 2700, `first ejection ~1.5-2 s, was ${first} ms`);
    assert.ok(second >= 2900, `second ejection ~3-3.5 s, was ${second} ms`);
  } finally {
    await close();
  }
});

test('with the default max_ejection_percent (10%) three hosts never lose one', LIMIT, async () => {
  const { ups, c, bad, ctr, close } = await setup({ interval: '0.1s' });
  try {
    for (let i = 0; i < 30; i++) await send(c);
    assert.equal(ups[2].hits, 10);
    assert.equal(bad.healthFlags, 0);
    assert.equal(ctr('ejections_overflow'), 2);
    assert.equal(ctr('ejections_detected_consecutive_5xx'), 2);
  } finally {
    await close();
  }
});

test('connection failures count as 5xx (503) without split_external_local_origin_errors', LIMIT, async () => {
  const { ups, c, bad, ctr, close } = await setup({ max_ejection_percent: 50, interval: '0.1s' });
  try {
    ups[2].status = 200;
    await ups[2].close();
    await sendUntil(c, () => bad.healthFlags !== 0, 40);
    assert.equal(ctr('ejections_enforced_consecutive_5xx'), 1);
  } finally {
    await close();
  }
});
