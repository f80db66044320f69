// Tests of the http-echo sample: -text on every path, -listen/-status-code flags, /health.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHttpEchoArgs, startHttpEcho } from './main.js';
import { httpCall } from '../lib/upstream-client.js';

test('answers -text and a newline on any path; /health is {"status":"ok"}', async () => {
  const s = await startHttpEcho({ host: '127.0.0.1', port: 0, args: ['-text=hello from echo'] });
  try {
    const r = await httpCall({ url: `http://127.0.0.1:${s.port}/any/path` }, {});
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello from echo\n');
    assert.equal(r.headers['x-app-name'], 'http-echo');
    assert.equal((await httpCall({ url: `http://127.0.0.1:${s.port}/health` }, {})).body.toString(), '{"status":"ok"}');
  } finally {
    await s.close();
  }
});

test('flags: -listen default :5678, --text value, -status-code; missing text refuses to start', async () => {
  assert.deepEqual(parseHttpEchoArgs(['-text', 'x']), { text: 'x', listen: { port: 5678, host: '0.0.0.0' }, statusCode: 200 });
  assert.deepEqual(parseHttpEchoArgs(['--text=y', '-listen=127.0.0.1:9000', '-status-code=503']),
    { text: 'y', listen: { host: '127.0.0.1', port: 9000 }, statusCode: 503 });
  assert.equal(parseHttpEchoArgs([], { ECHO_TEXT: 'z' }).text, 'z');
  await assert.rejects(startHttpEcho({ host: '127.0.0.1', port: 0 }), /missing -text/);
});
