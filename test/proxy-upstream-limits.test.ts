// Circuit breakers and connection limits through a real proxy with curl: max_connections 1 and
// max_pending_requests 1 refuse the request past them (503 UO); max_requests_per_connection 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { curl } from './lib/curl.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';

const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const HTTP_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

async function stat(proxy: RunningProxy, name: string): Promise<number> {
  const text = await (await proxy.admin(`/stats?filter=^${name.replace(/\./g, '\\.')}$`)).text();
  const m = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(text);
  return m === null ? NaN : Number(m[1]);
}

/** Polls `cond` every 20 ms for at most `ms`. */
async function until(cond: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('max_connections 1, max_pending_requests 1: one request waits, the next is 503 UO, upstream_rq_pending_overflow', async () => {
  const echo = await startEchoUpstream('cb');
  const dir = mkdtempSync(join(tmpdir(), 'strait-cb-'));
  const logFile = join(dir, 'access.log');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'cb' } }]),
    clusters: [{ name: 'cb', ports: [echo.port], extra: {
      circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 1 }] } } }],
    hcm: { access_log: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: logFile,
      log_format: { text_format_source: { inline_string: '%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS%\n' } } } }] },
  }));
  try {
    const url = `http://127.0.0.1:${await proxy.listenerPort('test')}`;
    // Long enough that the two requests below arrive while it holds the one connection, even on a busy machine.
    const first = curl(`${url}/delay/4000`);
    await until(async () => (await stat(proxy, 'cluster.cb.upstream_rq_active')) === 1
      && (await stat(proxy, 'cluster.cb.upstream_cx_active')) === 1, 3000, 'the first request on the connection');
    // The connection is busy: this one waits in the pending queue (its one place).
    const waiting = curl(`${url}/delay/10`);
    await until(async () => (await stat(proxy, 'cluster.cb.upstream_rq_pending_active')) === 1, 3000, 'a pending request');
    const refused = await curl(`${url}/refused`);
    assert.equal(refused.status, 503);
    assert.equal(refused.body, 'upstream connect error or disconnect/reset before headers. reset reason: overflow');
    assert.equal((await first).status, 200);
    assert.equal((await waiting).status, 200);
    assert.equal(await stat(proxy, 'cluster.cb.upstream_rq_pending_overflow'), 1);
    assert.equal(await stat(proxy, 'cluster.cb.upstream_cx_total'), 1, 'max_connections 1: one connection only');
    await until(() => existsSync(logFile) && readFileSync(logFile, 'utf8').trim().split('\n').length >= 3, 3000,
      'three access log lines');
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    assert.ok(lines.includes('/refused 503 UO'), lines.join('\n'));
    assert.ok(lines.includes('/delay/4000 200 -'), lines.join('\n'));
    assert.ok(lines.includes('/delay/10 200 -'), lines.join('\n'));
  } finally {
    await proxy.stop();
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('max_pending_requests 0: with no idle connection every request overflows (Envoy opens none for it)', async () => {
  const echo = await startEchoUpstream('zero');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'zero' } }]),
    clusters: [{ name: 'zero', ports: [echo.port], extra: {
      circuit_breakers: { thresholds: [{ max_pending_requests: 0 }] } } }],
  }));
  try {
    const r = await curl(`http://127.0.0.1:${await proxy.listenerPort('test')}/`);
    assert.equal(r.status, 503);
    assert.equal(await stat(proxy, 'cluster.zero.upstream_rq_pending_overflow'), 1);
    assert.equal(await stat(proxy, 'cluster.zero.upstream_cx_total'), 0);
    assert.equal(echo.requests.length, 0);
  } finally {
    await proxy.stop();
    await echo.close();
  }
});

test('max_requests_per_connection 2: five requests use three upstream connections (upstream_cx_total)', async () => {
  const echo = await startEchoUpstream('mr');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'mr' } }]),
    clusters: [{ name: 'mr', ports: [echo.port], extra: { typed_extension_protocol_options: { [HTTP_OPTIONS]: {
      '@type': `type.googleapis.com/${HTTP_OPTIONS}`, common_http_protocol_options: { max_requests_per_connection: 2 },
      explicit_http_config: { http_protocol_options: {} } } } } }],
  }));
  try {
    const url = `http://127.0.0.1:${await proxy.listenerPort('test')}/`;
    for (let i = 0; i < 5; i++) assert.equal((await curl(url)).status, 200);
    assert.equal(echo.requests.length, 5);
    assert.equal(await stat(proxy, 'cluster.mr.upstream_cx_total'), 3);
    assert.equal(await stat(proxy, 'cluster.mr.upstream_cx_max_requests'), 2);
  } finally {
    await proxy.stop();
    await echo.close();
  }
});
