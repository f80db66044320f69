// Tests of the fake-service sample: its JSON answer, upstream calls embedded in order, error
// injection (ERROR_RATE / ERROR_CODE / ERROR_TYPE), timing, and LISTEN_ADDR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeService } from './main.js';
import { parseGoDuration, fakeServiceConfig, requestDurationMs } from './config.js';
import { httpCall } from '../lib/upstream-client.js';
import { listenOptionsFromListenAddr } from '../lib/http-server.js';
import type { FakeResponse } from './app.js';

const quiet = (): void => {};
const start = (env: Record<string, string>) => startFakeService({ host: '127.0.0.1', port: 0, env, log: quiet });
const getJson = async (port: number): Promise<{ status: number; body: FakeResponse }> => {
  const r = await httpCall({ url: `http://127.0.0.1:${port}/` }, {});
  return { status: r.status, body: JSON.parse(r.body.toString()) as FakeResponse };
};

test('GET /: name, type HTTP, body MESSAGE, code 200, times; /health 200', async () => {
  const s = await start({ NAME: 'simple-backend', MESSAGE: 'Hello from simple-backend' });
  try {
    const { status, body } = await getJson(s.port);
    assert.equal(status, 200);
    assert.equal(body.name, 'simple-backend');
    assert.equal(body.type, 'HTTP');
    assert.equal(body.uri, '/');
    assert.equal(body.body, 'Hello from simple-backend');
    assert.equal(body.code, 200);
    assert.ok(Array.isArray(body.ip_addresses));
    assert.ok(Date.parse(body.end_time) >= Date.parse(body.start_time));
    assert.match(body.duration, /^[0-9.]+m?s$/);
    assert.equal(body.upstream_calls, undefined);
    assert.equal((await httpCall({ url: `http://127.0.0.1:${s.port}/health` }, {})).status, 200);
  } finally {
    await s.close();
  }
});

test('UPSTREAM_URIS are called in order and embedded; x-* headers forwarded', async () => {
  const a = await start({ NAME: 'a', MESSAGE: 'from a' });
  const b = await start({ NAME: 'b', MESSAGE: 'from b' });
  const web = await start({ NAME: 'web', UPSTREAM_URIS: `http://127.0.0.1:${a.port}, http://127.0.0.1:${b.port}/` });
  try {
    const { status, body } = await getJson(web.port);
    assert.equal(status, 200);
    const calls = body.upstream_calls as FakeResponse[];
    assert.deepEqual(calls.map((c) => [c.name, c.body, c.code]), [['a', 'from a', 200], ['b', 'from b', 200]]);
    assert.equal(calls[0]!.uri, `http://127.0.0.1:${a.port}`);
  } finally {
    await Promise.all([web.close(), a.close(), b.close()]);
  }
});

test('ERROR_RATE=1 ERROR_CODE=503: the service answers 503; its caller answers 500 with the failed call', async () => {
  const backend = await start({ NAME: 'backend', ERROR_RATE: '1', ERROR_TYPE: 'http_error', ERROR_CODE: '503' });
  const web = await start({ NAME: 'web', UPSTREAM_URIS: `http://127.0.0.1:${backend.port}` });
  try {
    const direct = await getJson(backend.port);
    assert.equal(direct.status, 503);
    assert.equal(direct.body.code, 503);
    assert.equal(direct.body.error, 'Service error automatically injected');
    const { status, body } = await getJson(web.port);
    assert.equal(status, 500);
    assert.equal(body.code, 500);
    const call = (body.upstream_calls as FakeResponse[])[0]!;
    assert.equal(call.code, 503);
    assert.equal(call.name, 'backend');
  } finally {
    await Promise.all([web.close(), backend.close()]);
  }
});

test('ERROR_RATE 0.5: roughly half of 100 requests fail', async () => {
  const s = await start({ ERROR_RATE: '0.5', ERROR_CODE: '500' });
  try {
    let failed = 0;
    for (let i = 0; i < 100; i++) if ((await httpCall({ url: `http://127.0.0.1:${s.port}/` }, {})).status === 500) failed++;
    assert.ok(failed >= 25 && failed <= 75, `failed ${failed}`);
  } finally {
    await s.close();
  }
});

test('ERROR_TYPE=delay waits ERROR_DELAY then answers 200; an unreachable upstream is code -1 and 500', async () => {
  const slow = await start({ ERROR_RATE: '1', ERROR_TYPE: 'delay', ERROR_DELAY: '200ms' });
  const web = await start({ UPSTREAM_URIS: 'http://127.0.0.1:1/' });
  try {
    const t0 = Date.now();
    assert.equal((await getJson(slow.port)).status, 200);
    assert.ok(Date.now() - t0 >= 190);
    const { status, body } = await getJson(web.port);
    assert.equal(status, 500);
    assert.equal((body.upstream_calls as FakeResponse[])[0]!.code, -1);
  } finally {
    await Promise.all([slow.close(), web.close()]);
  }
});

test('timing: durations and percentiles', async () => {
  assert.equal(parseGoDuration('150ms'), 150);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  const c = fakeServiceConfig({ TIMING_50_PERCENTILE: '10ms', TIMING_99_PERCENTILE: '1s' });
  assert.equal(c.timing90Ms, 10);
  assert.equal(requestDurationMs(c, () => 0.2), 10);
  assert.equal(requestDurationMs(c, () => 0.995), 1000);
  const s = await start({ TIMING_50_PERCENTILE: '200ms' });
  try {
    const t0 = Date.now();
    await getJson(s.port);
    assert.ok(Date.now() - t0 >= 190);
  } finally {
    await s.close();
  }
});

test('LISTEN_ADDR: host:port, default 0.0.0.0:9090', () => {
  assert.deepEqual(listenOptionsFromListenAddr({ LISTEN_ADDR: '0.0.0.0:8080' }, '0.0.0.0:9090'), { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(listenOptionsFromListenAddr({}, '0.0.0.0:9090'), { host: '0.0.0.0', port: 9090 });
  assert.deepEqual(listenOptionsFromListenAddr({ LISTEN_ADDR: ':8080' }, '0.0.0.0:9090'), { host: '0.0.0.0', port: 8080 });
});
