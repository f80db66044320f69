// Property tests (short runs): request streams cut into random pieces, valid or mutated, against a
// real `strait proxy` on loopback; `npm run fuzz` runs the same targets longer (test/fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { EchoApp } from '../src/proxy/http/codec/http1/test-kit.js';
import { http1MutatedTarget, http1SplitTarget } from './fuzz/http1-target.js';
import { assertTarget } from './fuzz/runner.js';

test('HTTP/1: valid pipelined requests survive any split', async (t) => {
  const r = await assertTarget(http1SplitTarget());
  t.diagnostic(`${r.executions} executions in ${r.ms} ms (${r.summary})`);
});

test('HTTP/1: mutated and random request bytes get well-formed answers or a close', async (t) => {
  const r = await assertTarget(http1MutatedTarget());
  t.diagnostic(`${r.executions} executions in ${r.ms} ms (${r.summary})`);
});

// Found by http1-split-valid: a pipelined request queued behind a slow one, whose body was still
// arriving, was never read further once its turn came (it waited for the stream idle timeout).
test('regression: a pipelined request whose body arrives while it waits its turn completes', async (t) => {
  const app = new EchoApp();
  const port = await app.listen();
  const sock = net.connect(port, '127.0.0.1');
  t.after(async () => {
    sock.destroy();
    await app.close();
  });
  await once(sock, 'connect');
  // /slow answers after 60 ms: the PUT's head and half its body arrive while the GET is served.
  sock.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\nPUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab');
  await new Promise((r) => setTimeout(r, 20));
  sock.write('cd');
  const seen = new Promise<void>((resolve) => app.events.on('request', () => { if (app.seen.length === 2) resolve(); }));
  await Promise.race([seen, new Promise((r) => setTimeout(r, 3000))]);
  assert.deepEqual(app.seen.map((s) => [s.head.method, s.head.path, s.body]), [['GET', '/slow', ''], ['PUT', '/x', 'abcd']]);
});
