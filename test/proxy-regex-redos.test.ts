// Route regexes run in linear time (RE2, as Envoy's): a path or header built to make a
// backtracking engine explode answers at once, and other requests are not held up meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { curl } from './lib/curl.js';

/** 31 a's then a character the regex refuses: 2^31 ways to split the a's for a backtracking engine. */
const EVIL = `/re/${'a'.repeat(31)}!`;

let upstream: EchoUpstream;
let proxy: RunningProxy;
let port: number;

before(async () => {
  upstream = await startEchoUpstream('up');
  proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([
      { match: { safe_regex: { regex: '/re/(a+)+$' } }, direct_response: { status: 200, body: { inline_string: 'regex route' } } },
      { match: { prefix: '/hdr', headers: [{ name: 'x-token', string_match: { safe_regex: { regex: '(a+)+$' } } }] },
        direct_response: { status: 200, body: { inline_string: 'header route' } } },
      { match: { prefix: '/ok' }, route: { cluster: 'up' } },
    ]),
    clusters: [{ name: 'up', ports: [upstream.port] }],
  }));
  port = await proxy.listenerPort('test');
});

after(async () => {
  await proxy?.stop();
  await upstream?.close();
});

/** One curl request: its status, body and curl's own time_total in ms. */
async function timed(path: string, args: string[] = []): Promise<{ status: number; body: string; ms: number }> {
  const r = await curl(`http://127.0.0.1:${port}${path}`, [...args, '-w', '\ntime_total=%{time_total}'], 30);
  const at = r.body.lastIndexOf('\ntime_total=');
  return { status: r.status, body: r.body.slice(0, at), ms: Number(r.body.slice(at + 12)) * 1000 };
}

/**
 * The pathological request and a normal proxied one sent alongside, up to 20 times: the best
 * time of each (a busy machine can delay any one request). A try over a second means a stalled
 * event loop, and more tries would only take longer.
 */
async function evilBesideNormal(evil: () => ReturnType<typeof timed>): Promise<{ evil: number; normal: number; status: number }> {
  let best = { evil: Infinity, normal: Infinity, status: 0 };
  for (let i = 0; i < 20 && !(best.evil < 10 && best.normal < 100); i++) {
    const [e, n] = await Promise.all([evil(), timed('/ok/normal')]);
    assert.equal(n.status, 200);
    assert.equal((JSON.parse(n.body) as { url: string }).url, '/ok/normal');
    best = { evil: Math.min(best.evil, e.ms), normal: Math.min(best.normal, n.ms), status: e.status };
    if (e.ms > 1000) break;
  }
  return best;
}

test('the route regex still matches what it should', async () => {
  const r = await timed('/re/aaaa');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'regex route');
  const h = await timed('/hdr', ['-H', 'x-token: aaa']);
  assert.equal(h.body, 'header route');
});

test(`a ${EVIL.length}-byte path against safe_regex /re/(a+)+$ answers in under 10 ms, beside a normal request`, async (ctx) => {
  const t = await evilBesideNormal(() => timed(EVIL));
  ctx.diagnostic(`best times: pathological ${t.evil.toFixed(1)} ms, normal ${t.normal.toFixed(1)} ms`);
  assert.equal(t.status, 404, 'the path does not match the regex, and no other route takes it');
  assert.ok(t.evil < 10, `pathological path answered in ${t.evil.toFixed(1)} ms`);
  assert.ok(t.normal < 100, `normal request answered in ${t.normal.toFixed(1)} ms`);
});

test('a pathological header value against a header safe_regex answers in under 10 ms', async (ctx) => {
  const t = await evilBesideNormal(() => timed('/hdr', ['-H', `x-token: ${'a'.repeat(31)}!`]));
  ctx.diagnostic(`best times: pathological ${t.evil.toFixed(1)} ms, normal ${t.normal.toFixed(1)} ms`);
  assert.equal(t.status, 404);
  assert.ok(t.evil < 10, `pathological header answered in ${t.evil.toFixed(1)} ms`);
  assert.ok(t.normal < 100, `normal request answered in ${t.normal.toFixed(1)} ms`);
});
