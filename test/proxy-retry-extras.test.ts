// Retries through a real proxy with curl: hedge_on_per_try_timeout answers with the fast second
// attempt while the first still runs; Retry-After sets the back-off; max_retries per route priority.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { curl } from './lib/curl.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';

/** An upstream whose first request takes 3 s and later ones answer at once; it records arrival and close times. */
async function slowFirst(): Promise<{ server: http.Server; port: number; events: string[] }> {
  const events: string[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const i = ++n;
    events.push(`arrive ${i}`);
    res.on('close', () => events.push(`close ${i}`));
    if (i === 1) {
      const t = setTimeout(() => res.end('slow'), 3000);
      res.on('close', () => clearTimeout(t));
    } else {
      res.end('fast');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, events };
}

async function counter(proxy: RunningProxy, name: string): Promise<number> {
  const text = await (await proxy.admin('/stats')).text();
  const m = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(text);
  return m === null ? NaN : Number(m[1]);
}

function hedgeProxy(port: number, hedge: boolean): Promise<RunningProxy> {
  return startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'h',
      retry_policy: { retry_on: '5xx', num_retries: 1, per_try_timeout: '0.2s' } } }],
    hedge ? { hedge_policy: { hedge_on_per_try_timeout: true } } : {}),
    clusters: [{ name: 'h', ports: [port] }],
  }));
}

test('hedge_on_per_try_timeout: the second attempt starts beside the first and its fast answer wins', async () => {
  const up = await slowFirst();
  const proxy = await hedgeProxy(up.port, true);
  try {
    const started = Date.now();
    const r = await curl(`http://127.0.0.1:${await proxy.listenerPort('test')}/`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'fast');
    assert.ok(Date.now() - started < 2500, 'answered before the slow attempt would have');
    // The first attempt was still open when the hedge arrived, and was reset once the hedge won.
    const deadline = Date.now() + 2000;
    while (!up.events.includes('close 1') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(up.events.slice(0, 2), ['arrive 1', 'arrive 2']);
    assert.ok(up.events.indexOf('close 1') > up.events.indexOf('arrive 2'), up.events.join(', '));
    assert.equal(await counter(proxy, 'cluster.h.upstream_rq_retry'), 1);
    assert.equal(await counter(proxy, 'cluster.h.upstream_rq_per_try_timeout'), 0, 'a hedged per-try timeout resets nothing');
  } finally {
    await proxy.stop();
    up.server.closeAllConnections();
    up.server.close();
  }
});

test('hedge_on_per_try_timeout: a hedge answering 503 past the retry limit is dropped; the first attempt\'s 200 wins', async () => {
  let n = 0;
  const server = http.createServer((_req, res) => {
    if (++n === 1) {
      const t = setTimeout(() => res.end('slow but good'), 800);
      res.on('close', () => clearTimeout(t));
    } else {
      res.writeHead(503);
      res.end('hedge failed');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy = await hedgeProxy((server.address() as AddressInfo).port, true);
  try {
    const r = await curl(`http://127.0.0.1:${await proxy.listenerPort('test')}/`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow but good');
    assert.equal(n, 2);
    assert.equal(await counter(proxy, 'cluster.h.upstream_rq_retry_limit_exceeded'), 1);
  } finally {
    await proxy.stop();
    server.closeAllConnections();
    server.close();
  }
});

test('without hedging the per-try timeout resets the first attempt before the retry is sent', async () => {
  const up = await slowFirst();
  const proxy = await hedgeProxy(up.port, false);
  try {
    const r = await curl(`http://127.0.0.1:${await proxy.listenerPort('test')}/`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'fast');
    assert.deepEqual(up.events.slice(0, 3), ['arrive 1', 'close 1', 'arrive 2']);
    assert.equal(await counter(proxy, 'cluster.h.upstream_rq_per_try_timeout'), 1);
  } finally {
    await proxy.stop();
    up.server.closeAllConnections();
    up.server.close();
  }
});

test('rate_limited_retry_back_off: a 429 with Retry-After: 1 is retried after at least a second', async () => {
  let n = 0;
  const server = http.createServer((_req, res) => {
    if (++n === 1) {
      res.writeHead(429, { 'retry-after': '1' });
      res.end('slow down');
    } else {
      res.end('ok');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'rl', retry_policy: {
      retry_on: 'retriable-status-codes', retriable_status_codes: [429], num_retries: 2,
      rate_limited_retry_back_off: { reset_headers: [{ name: 'Retry-After', format: 'SECONDS' }], max_interval: '5s' },
    } } }]),
    clusters: [{ name: 'rl', ports: [(server.address() as AddressInfo).port] }],
  }));
  try {
    const started = Date.now();
    const r = await curl(`http://127.0.0.1:${await proxy.listenerPort('test')}/`);
    const elapsed = Date.now() - started;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    assert.ok(elapsed >= 1000 && elapsed < 4000, `${elapsed} ms`);
    assert.equal(await counter(proxy, 'cluster.rl.upstream_rq_retry_backoff_ratelimited'), 1);
    assert.equal(await counter(proxy, 'cluster.rl.upstream_rq_retry_backoff_exponential'), 0);
    assert.equal(await counter(proxy, 'cluster.rl.upstream_rq_retry_success'), 1);
  } finally {
    await proxy.stop();
    server.closeAllConnections();
    server.close();
  }
});

test('max_retries per priority: DEFAULT max_retries 0 overflows (upstream_rq_retry_overflow, UO); a HIGH route retries', async () => {
  const echo = await startEchoUpstream('r');
  const dir = mkdtempSync(join(tmpdir(), 'strait-retry-'));
  const logFile = join(dir, 'access.log');
  const retry = { retry_on: '5xx', num_retries: 1, retry_back_off: { base_interval: '0.01s' } };
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([
      { match: { prefix: '/high/' }, route: { cluster: 'r', priority: 'HIGH', retry_policy: retry, prefix_rewrite: '/' } },
      { match: { prefix: '/' }, route: { cluster: 'r', retry_policy: retry } },
    ]),
    clusters: [{ name: 'r', ports: [echo.port], extra: { circuit_breakers: { thresholds: [
      { priority: 'DEFAULT', max_retries: 0 }, { priority: 'HIGH', max_retries: 3 }] } } }],
    hcm: { access_log: [{ name: 'envoy.access_loggers.file', typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: logFile,
      log_format: { text_format_source: { inline_string: '%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS%\n' } } } }] },
  }));
  try {
    const url = `http://127.0.0.1:${await proxy.listenerPort('test')}`;
    assert.equal((await curl(`${url}/status/503`)).status, 503);
    assert.equal(echo.requests.length, 1, 'no retry under DEFAULT max_retries 0');
    assert.equal(await counter(proxy, 'cluster.r.upstream_rq_retry_overflow'), 1);
    assert.equal((await curl(`${url}/high/status/503`)).status, 503);
    assert.equal(echo.requests.length, 3, 'HIGH max_retries 3: the one retry is sent');
    assert.equal(await counter(proxy, 'cluster.r.upstream_rq_retry'), 1);
    assert.equal(await counter(proxy, 'cluster.r.upstream_rq_retry_limit_exceeded'), 1);
    const deadline = Date.now() + 3000;
    let lines: string[] = [];
    while (Date.now() < deadline) {
      lines = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n') : [];
      if (lines.length >= 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(lines, ['/status/503 503 UO', '/high/status/503 503 URX']);
  } finally {
    await proxy.stop();
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
