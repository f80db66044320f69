// End to end: request_mirror_policies through `strait proxy` with curl: the mirror gets each request
// with the -shadow authority and the same body, the client only ever sees (and waits for) the primary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { startProxy, type RunningProxy } from '../../../../../test/lib/proxy-process.js';
import { bootstrapYaml, simpleRoutes } from '../../../../../test/lib/config.js';
import { startBodyUpstream, type BodyUpstream } from '../../../../../test/lib/body-upstream.js';
import { curl } from '../../../../../test/lib/curl.js';

/** A loopback port with nothing listening (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let primary: BodyUpstream;
let mirror: BodyUpstream;
let proxy: RunningProxy;
let port: number;
let dir: string;

before(async () => {
  primary = await startBodyUpstream('primary');
  mirror = await startBodyUpstream('mirror', 3000);
  dir = mkdtempSync(join(tmpdir(), 'strait-mirror-'));
  const route = (prefix: string, mirrors: unknown[]): unknown =>
    ({ match: { prefix }, route: { cluster: 'primary', timeout: '5s', request_mirror_policies: mirrors } });
  proxy = await startProxy(bootstrapYaml({
    clusters: [
      { name: 'primary', ports: [primary.port] },
      { name: 'mirror', ports: [mirror.port] },
      { name: 'mirror-down', ports: [await deadPort()] },
    ],
    routeConfig: simpleRoutes([
      route('/mirror', [{ cluster: 'mirror' }]),
      route('/down', [{ cluster: 'mirror-down' }]),
      route('/zero', [{ cluster: 'mirror', runtime_fraction: { default_value: { numerator: 0 } } }]),
      route('/by-header', [{ cluster_header: 'x-mirror-cluster' }]),
      route('/no-suffix', [{ cluster: 'mirror', disable_shadow_host_suffix_append: true }]),
      { match: { prefix: '/' }, route: { cluster: 'primary' } },
    ]),
  }));
  port = await proxy.listenerPort('test');
});

after(async () => {
  await proxy?.stop();
  await primary?.close();
  await mirror?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const url = (path: string): string => `http://127.0.0.1:${port}${path}`;

async function counter(name: string): Promise<number> {
  const text = await (await proxy.admin(`/stats?filter=${encodeURIComponent(`^${name}$`)}`)).text();
  const m = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

test('the mirror receives each request with the -shadow host and the same body; the client gets the primary', async () => {
  const seen = mirror.requests.length;
  const r = await curl(url('/mirror/a?q=1'), ['-H', 'Host: app.example:8080', '--data-binary', 'hello mirror']);
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hello from primary');
  assert.equal(r.headers['x-upstream'], 'primary');
  await mirror.waitFor(seen + 1);
  const shadow = mirror.requests.at(-1)!;
  const main = primary.requests.at(-1)!;
  assert.equal(main.host, 'app.example:8080');
  assert.equal(shadow.host, 'app.example-shadow:8080');
  assert.equal(shadow.method, 'POST');
  assert.equal(shadow.url, '/mirror/a?q=1');
  assert.equal(shadow.body, 'hello mirror');
  assert.equal(shadow.headers['x-envoy-internal'], 'true');
  assert.equal(shadow.headers['x-request-id'], main.headers['x-request-id']);
  // Without a port the suffix goes at the end.
  await curl(url('/mirror/b'), ['-H', 'Host: app.example']);
  await mirror.waitFor(seen + 2);
  assert.equal(mirror.requests.at(-1)!.host, 'app.example-shadow');
});

test('a large streamed body reaches the mirror byte for byte', async () => {
  const file = join(dir, 'body.bin');
  const data = randomBytes(3 * 1024 * 1024 + 17);
  writeFileSync(file, data);
  const seen = mirror.requests.length;
  const r = await curl(url('/mirror/upload'), ['-H', 'Transfer-Encoding: chunked', '--data-binary', `@${file}`]);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-upstream'], 'primary');
  await mirror.waitFor(seen + 1);
  const sha = createHash('sha256').update(data).digest('hex');
  assert.equal(primary.requests.at(-1)!.bodySha256, sha);
  assert.equal(mirror.requests.at(-1)!.bodyBytes, data.length);
  assert.equal(mirror.requests.at(-1)!.bodySha256, sha);
});

test('a slow mirror does not delay the client, and a mirror cluster that is down does not affect it', async () => {
  const seen = mirror.requests.length;
  const t0 = performance.now();
  const slow = await curl(url('/mirror/slow'));
  const elapsed = performance.now() - t0;
  assert.equal(slow.status, 200);
  assert.equal(slow.headers['x-upstream'], 'primary');
  // The mirror got the request and holds its answer for 3 s; the client did not wait for it.
  await mirror.waitFor(seen + 1);
  assert.equal(mirror.requests.at(-1)!.url, '/mirror/slow');
  assert.ok(elapsed < 2000, `the client waited ${elapsed} ms`);
  const failsBefore = await counter('cluster.mirror-down.upstream_cx_connect_fail');
  const totalBefore = await counter('cluster.mirror-down.upstream_rq_total');
  for (let i = 0; i < 3; i++) {
    const r = await curl(url('/down'), ['--data-binary', 'x']);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from primary');
  }
  assert.equal(await counter('cluster.mirror-down.upstream_rq_total'), totalBefore + 3);
  const deadline = Date.now() + 5000;
  while (await counter('cluster.mirror-down.upstream_cx_connect_fail') < failsBefore + 3 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await counter('cluster.mirror-down.upstream_cx_connect_fail'), failsBefore + 3);
  assert.equal(await counter('cluster.mirror-down.upstream_rq_active'), 0);
});

test('runtime_fraction 0 mirrors nothing', async () => {
  const seen = mirror.requests.length;
  for (let i = 0; i < 5; i++) assert.equal((await curl(url(`/zero/${i}`))).status, 200);
  // A mirrored request sent after them arrives; none of the /zero ones ever did.
  await curl(url('/mirror/after-zero'));
  await mirror.waitFor(seen + 1);
  assert.deepEqual(mirror.requests.slice(seen).map((r) => r.url), ['/mirror/after-zero']);
});

test('cluster_header picks the mirror per request; a missing or unknown cluster is ignored', async () => {
  const seen = mirror.requests.length;
  assert.equal((await curl(url('/by-header/none'))).status, 200);
  assert.equal((await curl(url('/by-header/unknown'), ['-H', 'x-mirror-cluster: no-such-cluster'])).status, 200);
  assert.equal((await curl(url('/by-header/yes'), ['-H', 'x-mirror-cluster: mirror'])).status, 200);
  await mirror.waitFor(seen + 1);
  assert.deepEqual(mirror.requests.slice(seen).map((r) => r.url), ['/by-header/yes']);
});

test('disable_shadow_host_suffix_append keeps the host as it is', async () => {
  const seen = mirror.requests.length;
  await curl(url('/no-suffix'), ['-H', 'Host: app.example:8080']);
  await mirror.waitFor(seen + 1);
  assert.equal(mirror.requests.at(-1)!.host, 'app.example:8080');
});

test("the mirror's requests count in the mirror cluster's stats", async () => {
  const total = await counter('cluster.mirror.upstream_rq_total');
  const ok = await counter('cluster.mirror.upstream_rq_200');
  const seen = mirror.requests.length;
  await curl(url('/mirror/count'));
  await mirror.waitFor(seen + 1);
  const deadline = Date.now() + 5000;
  while (await counter('cluster.mirror.upstream_rq_200') < ok + 1 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await counter('cluster.mirror.upstream_rq_total'), total + 1);
  assert.equal(await counter('cluster.mirror.upstream_rq_200'), ok + 1);
  assert.ok(await counter('cluster.mirror.upstream_rq_completed') >= 1);
  assert.equal(await counter('cluster.primary.retry_or_shadow_abandoned'), 0);
});

test('a request reset before its body ends resets its shadow too', async () => {
  const total = await counter('cluster.mirror.upstream_rq_total');
  const seen = mirror.requests.length;
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => { sock.once('connect', () => r()); sock.once('error', j); });
  sock.write('POST /mirror/partial HTTP/1.1\r\nHost: app.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
  const deadline = Date.now() + 5000;
  while (await counter('cluster.mirror.upstream_rq_total') < total + 1 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await counter('cluster.mirror.upstream_rq_total'), total + 1, 'the shadow started with the headers');
  sock.destroy();
  while (await counter('cluster.mirror.upstream_rq_active') > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await counter('cluster.mirror.upstream_rq_active'), 0);
  // The mirror never saw a complete request.
  assert.ok(!mirror.requests.slice(seen).some((r) => r.url === '/mirror/partial'));
});
