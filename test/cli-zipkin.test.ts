// `strait zipkin` on its own: prints its URL, takes spans and answers queries, and exits 0 on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { STRAIT_BIN, terminate } from './lib/proxy-process.js';
import { waitFor } from './lib/wait.js';

test('strait zipkin runs the collector until SIGTERM', { timeout: 30_000 }, async (t) => {
  const child = spawn(process.execPath, [STRAIT_BIN, 'zipkin', '--port', '0', '--max-spans', '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  t.after(async () => { if (child.exitCode === null) await terminate(child); });
  const url = await waitFor('the collector\'s URL', 10_000, () => /^zipkin collector listening on (http:\/\/127\.0\.0\.1:\d+) /m.exec(out)?.[1]);
  const span = { traceId: '00000000000000000000000000000abc', id: '1', name: 'GET', kind: 'SERVER', timestamp: Date.now() * 1000, duration: 5,
    localEndpoint: { serviceName: 'solo' } };
  const posted = await fetch(`${url}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([span]) });
  assert.equal(posted.status, 202);
  const traces = await (await fetch(`${url}/api/v2/traces?serviceName=solo`)).json() as { traceId: string; id: string }[][];
  assert.deepEqual(traces.map((tr) => tr.map((s) => [s.traceId, s.id])), [[['0000000000000abc', '0000000000000001']]]);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal((await fetch(`${url}/health`).catch(() => undefined)), undefined);
});

test('strait zipkin: a bad port is a usage error', async () => {
  const child = spawn(process.execPath, [STRAIT_BIN, 'zipkin', '--port', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.notEqual(code, 0);
  assert.match(err, /expected a port number 0-65535/);
});
