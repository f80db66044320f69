// Tests of the httpbin sample with curl, as the book's readers call it: output shapes match
// httpbin's (Canonical-Case headers, sorted pretty JSON), status lists, delays, bytes, streams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startHttpbin } from './main.js';
import { parseDelay } from './app.js';
import { parseStatusCodes, weightedChoice } from './status.js';
import type { RunningServer } from '../lib/http-server.js';

interface CurlResult {
  status: number;
  headers: Map<string, string[]>;
  body: string;
  raw: Buffer;
}

/** Runs curl -i and splits the final response (after any 1xx) into status, headers, body. */
function curl(args: string[], stdin?: Buffer): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', '-i', '--max-time', '5', ...args], { encoding: 'buffer' }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl ${args.join(' ')}: ${err.message} ${stderr.toString()}`));
      let rest = stdout;
      for (;;) {
        const end = rest.indexOf('\r\n\r\n');
        const head = rest.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(head[0]!.split(' ')[1]);
        rest = rest.subarray(end + 4);
        if (status >= 100 && status < 200) continue;
        const headers = new Map<string, string[]>();
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          const name = line.slice(0, i).toLowerCase();
          headers.set(name, [...(headers.get(name) ?? []), line.slice(i + 1).trim()]);
        }
        return resolve({ status, headers, body: rest.toString('utf8'), raw: rest });
      }
    });
    child.stdin?.end(stdin);
  });
}

let server: RunningServer;
let base: string;

before(async () => {
  server = await startHttpbin({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${server.port}`;
});
after(() => server.close());

test('/headers: Canonical-Case names, sorted, pretty, platform headers hidden', async () => {
  const r = await curl([`${base}/headers`, '-H', 'x-b3-traceid: 80f198ee56343ba864fe8b2a57d3eff7',
    '-H', 'x-envoy-expected-rq-timeout-ms: 15000', '-H', 'X-Request-Id: abc', '-H', 'x-forwarded-for: 10.0.0.1']);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type')?.[0], 'application/json');
  assert.equal(r.headers.get('access-control-allow-origin')?.[0], '*');
  const ua = JSON.parse(r.body).headers['User-Agent'] as string;
  assert.match(ua, /^curl\//);
  assert.equal(r.body, '{\n  "headers": {\n    "Accept": "*/*",\n'
    + `    "Host": "127.0.0.1:${server.port}",\n    "User-Agent": "${ua}",\n`
    + '    "X-B3-Traceid": "80f198ee56343ba864fe8b2a57d3eff7",\n'
    + '    "X-Envoy-Expected-Rq-Timeout-Ms": "15000",\n'
    + '    "X-Request-Id": "abc"\n  }\n}\n');
  const shown = JSON.parse((await curl([`${base}/headers?show_env=1`, '-H', 'x-forwarded-for: 10.0.0.1'])).body);
  assert.equal(shown.headers['X-Forwarded-For'], '10.0.0.1');
});

test('/get: args (repeated ones as lists), headers, origin, url', async () => {
  const r = await curl([`${base}/get?a=1&b=2&b=3&c=x+y`]);
  const body = JSON.parse(r.body);
  assert.deepEqual(Object.keys(body), ['args', 'headers', 'origin', 'url']);
  assert.deepEqual(body.args, { a: '1', b: ['2', '3'], c: 'x y' });
  assert.equal(body.origin, '127.0.0.1');
  assert.equal(body.url, `${base}/get?a=1&b=2&b=3&c=x+y`);
  const proxied = JSON.parse((await curl([`${base}/get`, '-H', 'X-Forwarded-For: 10.1.2.3', '-H', 'X-Forwarded-Proto: https'])).body);
  assert.equal(proxied.origin, '10.1.2.3');
  assert.equal(proxied.url, `https://127.0.0.1:${server.port}/get`);
  assert.equal(proxied.headers['X-Forwarded-For'], undefined);
  assert.equal((await curl(['-X', 'POST', `${base}/get`])).status, 405);
});

test('/anything/*: method, json, data; form and files for form posts', async () => {
  const j = JSON.parse((await curl([`${base}/anything/a/b?q=1`, '-X', 'PUT', '-H', 'Content-Type: application/json',
    '-d', '{"b": 1, "a": [true, null]}'])).body);
  assert.deepEqual(Object.keys(j), ['args', 'data', 'files', 'form', 'headers', 'json', 'method', 'origin', 'url']);
  assert.equal(j.method, 'PUT');
  assert.equal(j.data, '{"b": 1, "a": [true, null]}');
  assert.deepEqual(j.json, { a: [true, null], b: 1 });
  assert.deepEqual(j.args, { q: '1' });
  const form = JSON.parse((await curl([`${base}/anything`, '-d', 'x=1&x=2&y=h%C3%A9'])).body);
  assert.deepEqual(form.form, { x: ['1', '2'], y: 'hé' });
  assert.equal(form.data, '');
  assert.equal(form.json, null);
});

test('/post: binary bodies come back as a base64 data: URL; multipart files by name', async () => {
  const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
  const raw = JSON.parse((await curl([`${base}/post`, '-H', 'Content-Type: application/octet-stream',
    '--data-binary', '@-'], bytes)).body);
  assert.equal(raw.data, `data:application/octet-stream;base64,${bytes.toString('base64')}`);
  assert.equal(raw.json, null);
  const files = JSON.parse((await curl([`${base}/post`, '-F', 'note=hello', '-F', 'doc=@' + fileURLToPath(import.meta.url) + ';type=text/plain'])).body);
  assert.deepEqual(files.form, { note: 'hello' });
  assert.match(files.files.doc, /Tests of the httpbin sample/);
});

test('/ip, /user-agent, /uuid', async () => {
  assert.deepEqual(JSON.parse((await curl([`${base}/ip`])).body), { origin: '127.0.0.1' });
  assert.equal((await curl([`${base}/user-agent`, '-A', 'bench/1.0'])).body, '{\n  "user-agent": "bench/1.0"\n}\n');
  const { uuid } = JSON.parse((await curl([`${base}/uuid`])).body);
  assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('/status: single codes, special bodies, weighted lists, invalid codes', async () => {
  const s503 = await curl([`${base}/status/503`]);
  assert.equal(s503.status, 503);
  assert.equal(s503.body, '');
  const teapot = await curl([`${base}/status/418`]);
  assert.equal(teapot.status, 418);
  assert.match(teapot.body, /-=\[ teapot \]=-/);
  assert.equal(teapot.headers.get('x-more-info')?.[0], 'http://tools.ietf.org/html/rfc2324');
  const redirect = await curl([`${base}/status/302`]);
  assert.equal(redirect.headers.get('location')?.[0], '/redirect/1');
  assert.equal((await curl([`${base}/status/401`])).headers.get('www-authenticate')?.[0], 'Basic realm="Fake Realm"');
  assert.equal((await curl(['-X', 'POST', `${base}/status/201`])).status, 201);
  const seen = new Set<number>();
  for (let i = 0; i < 30; i++) seen.add((await curl([`${base}/status/500,503`])).status);
  assert.deepEqual([...seen].sort(), [500, 503]);
  for (let i = 0; i < 5; i++) assert.equal((await curl([`${base}/status/200:0,504:1`])).status, 504);
  const bad = await curl([`${base}/status/abc`]);
  assert.equal(bad.status, 400);
  assert.equal(bad.body, 'Invalid status code');
});

test('status list parsing and weighted choice', () => {
  assert.deepEqual(parseStatusCodes('500,503:2'), [{ code: 500, weight: 1 }, { code: 503, weight: 2 }]);
  assert.equal(parseStatusCodes('5xx'), undefined);
  assert.equal(parseStatusCodes('200:'), undefined);
  assert.equal(parseStatusCodes('99'), undefined);
  const choices = [{ code: 200, weight: 1 }, { code: 503, weight: 3 }];
  assert.equal(weightedChoice(choices, () => 0), 200);
  assert.equal(weightedChoice(choices, () => 0.24), 200);
  assert.equal(weightedChoice(choices, () => 0.26), 503);
  assert.equal(weightedChoice(choices, () => 1), 503);
});

test('/delay: waits (fractions allowed), capped at 10 s, rejects non-numbers', async () => {
  const start = Date.now();
  const r = await curl([`${base}/delay/0.3?x=1`]);
  assert.ok(Date.now() - start >= 290, 'answered before the delay');
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(JSON.parse(r.body)), ['args', 'data', 'files', 'form', 'headers', 'origin', 'url']);
  assert.equal((await curl([`${base}/delay/soon`])).status, 400);
  assert.equal(parseDelay('30'), 10);
  assert.equal(parseDelay('.5'), 0.5);
  assert.equal(parseDelay('-1'), undefined);
});

test('/response-headers: query becomes headers, body lists them with the real Content-Length', async () => {
  const r = await curl([`${base}/response-headers?X-Foo=bar&X-Foo=baz&freeform=1`]);
  assert.deepEqual(r.headers.get('x-foo'), ['bar', 'baz']);
  assert.deepEqual(r.headers.get('freeform'), ['1']);
  const body = JSON.parse(r.body);
  assert.deepEqual(body['X-Foo'], ['bar', 'baz']);
  assert.equal(body['Content-Length'], String(r.raw.length));
  assert.equal(r.headers.get('content-length')?.[0], String(r.raw.length));
  assert.equal((await curl([`${base}/response-headers?bad%20name=1`])).status, 400);
});

test('/bytes: n random bytes, capped at 100 KiB, repeatable with a seed', async () => {
  const r = await curl([`${base}/bytes/1000`]);
  assert.equal(r.raw.length, 1000);
  assert.equal(r.headers.get('content-type')?.[0], 'application/octet-stream');
  assert.equal((await curl([`${base}/bytes/500000`])).raw.length, 100 * 1024);
  const a = await curl([`${base}/bytes/64?seed=7`]);
  const b = await curl([`${base}/bytes/64?seed=7`]);
  assert.deepEqual(a.raw, b.raw);
  assert.equal((await curl([`${base}/bytes/-1`])).status, 404);
});

test('/stream: n JSON lines with ids, chunked, capped at 100', async () => {
  const r = await curl([`${base}/stream/3?k=v`]);
  assert.equal(r.headers.get('transfer-encoding')?.[0], 'chunked');
  const lines = r.body.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.id), [0, 1, 2]);
  assert.deepEqual(Object.keys(lines[0]), ['url', 'args', 'headers', 'origin', 'id']);
  assert.deepEqual(lines[0].args, { k: 'v' });
  assert.match(r.body.split('\n')[0]!, /^\{"url": "http/);
  assert.equal((await curl([`${base}/stream/1000`])).body.trimEnd().split('\n').length, 100);
});

test('unknown paths 404, OPTIONS answers CORS preflight, HEAD has no body', async () => {
  const missing = await curl([`${base}/nope`]);
  assert.equal(missing.status, 404);
  assert.match(missing.body, /<title>404 Not Found<\/title>/);
  const pre = await curl(['-X', 'OPTIONS', `${base}/anything`, '-H', 'Origin: http://a.example',
    '-H', 'Access-Control-Request-Headers: x-custom']);
  assert.equal(pre.status, 200);
  assert.equal(pre.headers.get('access-control-allow-origin')?.[0], 'http://a.example');
  assert.equal(pre.headers.get('access-control-allow-headers')?.[0], 'x-custom');
  assert.equal(pre.headers.get('allow')?.[0], 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE');
  const head = await curl(['-I', `${base}/get`]);
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});

test('main.js runs as a process on HOST/PORT from the environment', async () => {
  const script = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = spawn(process.execPath, [script], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0' } });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no "listening" line within 5 s')), 5000);
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /httpbin listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited with ${code}`)); });
    });
    assert.equal((await curl([`http://127.0.0.1:${port}/status/204`])).status, 204);
  } finally {
    child.kill('SIGTERM');
  }
  const bad = spawn(process.execPath, [script], { env: { ...process.env, PORT: 'eighty' } });
  let err = '';
  bad.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(err, /PORT: must be an integer/);
});
