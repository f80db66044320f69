// The connection manager and router as a user sees them through curl: headers Envoy adds and
// removes, local replies (404 NR, 503 NC/UF), direct responses, redirects, rewrites, weights.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { startEchoUpstream, type Echo, type EchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml } from './lib/config.js';
import { curl } from './lib/curl.js';

let a: EchoUpstream;
let b: EchoUpstream;
let proxy: RunningProxy;
let port: number;
let closedPort: number;
const logFile = join(mkdtempSync(join(tmpdir(), 'strait-log-')), 'access.log');

async function freePortThatIsClosed(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

before(async () => {
  a = await startEchoUpstream('a');
  b = await startEchoUpstream('b');
  closedPort = await freePortThatIsClosed();
  const routeConfig = {
    name: 'local_route',
    response_headers_to_add: [{ header: { key: 'x-config-level', value: 'rc' } }],
    virtual_hosts: [
      {
        name: 'special', domains: ['special.example.com', 'special.example.com:*'],
        routes: [{ match: { prefix: '/' }, direct_response: { status: 202, body: { inline_string: 'special host' } } }],
      },
      {
        name: 'main', domains: ['*'],
        request_headers_to_add: [{ header: { key: 'x-vhost', value: 'main' } }],
        routes: [
          { match: { prefix: '/direct' }, direct_response: { status: 200, body: { inline_string: 'hello from strait' } } },
          { match: { prefix: '/secure' }, redirect: { https_redirect: true } },
          { match: { prefix: '/moved' }, redirect: { path_redirect: '/new-place', response_code: 'FOUND' } },
          { match: { prefix: '/api/' }, route: { cluster: 'a', prefix_rewrite: '/v2/' } },
          { match: { path: '/exact' }, route: { cluster: 'b' } },
          { match: { safe_regex: { regex: '/re/[0-9]+' } }, route: { cluster: 'b' } },
          { match: { prefix: '/hdr', headers: [{ name: 'x-pick', string_match: { exact: 'b' } }] }, route: { cluster: 'b' } },
          { match: { prefix: '/weighted' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: 0 }, { name: 'b', weight: 100 }] } } },
          { match: { prefix: '/by-header' }, route: { cluster_header: 'x-cluster' } },
          { match: { prefix: '/refused' }, route: { cluster: 'closed' } },
          { match: { prefix: '/nohosts' }, route: { cluster: 'empty' } },
          {
            match: { prefix: '/mods' },
            route: { cluster: 'a' },
            request_headers_to_add: [{ header: { key: 'x-route', value: 'mods' } }],
            request_headers_to_remove: ['x-drop-me'],
            response_headers_to_add: [{ header: { key: 'x-resp', value: 'added' } }],
            response_headers_to_remove: ['x-upstream'],
          },
          { match: { prefix: '/only-get', headers: [{ name: ':method', string_match: { exact: 'GET' } }] }, route: { cluster: 'a' } },
          { match: { prefix: '/' , query_parameters: [{ name: 'to', string_match: { exact: 'b' } }] }, route: { cluster: 'b' } },
          { match: { prefix: '/a' }, route: { cluster: 'a' } },
        ],
      },
    ],
  };
  proxy = await startProxy(bootstrapYaml({
    routeConfig,
    clusters: [{ name: 'a', ports: [a.port] }, { name: 'b', ports: [b.port] }, { name: 'closed', ports: [closedPort] },
      { name: 'empty', ports: [] }],
    hcm: {
      access_log: [{ name: 'envoy.access_loggers.file', typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: logFile } }],
    },
  }));
  port = await proxy.listenerPort('test');
});

after(async () => {
  await proxy?.stop();
  await a?.close();
  await b?.close();
});

const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
const echoOf = (body: string): Echo => JSON.parse(body) as Echo;

test('proxied request carries Envoy request headers, response carries Envoy response headers', async () => {
  const r = await curl(url('/a/x?q=1'), ['-H', 'Connection: keep-alive, x-hop', '-H', 'Keep-Alive: timeout=5',
    '-H', 'Proxy-Connection: keep-alive']);
  assert.equal(r.status, 200);
  const e = echoOf(r.body);
  assert.equal(e.url, '/a/x?q=1');
  assert.equal(e.headers['x-forwarded-proto'], 'http');
  assert.match(String(e.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(e.headers['x-envoy-expected-rq-timeout-ms'], '15000');
  assert.equal(e.headers['keep-alive'], undefined);
  assert.equal(e.headers['proxy-connection'], undefined);
  assert.equal(e.headers['x-vhost'], 'main');
  assert.equal(e.headers.host, `127.0.0.1:${port}`);
  assert.equal(r.headers.server, 'envoy');
  assert.match(r.headers['x-envoy-upstream-service-time'], /^\d+$/);
  assert.ok(r.headers.date);
  assert.equal(r.headers['x-config-level'], 'rc');
});

test('an incoming x-request-id is kept', async () => {
  const r = await curl(url('/a'), ['-H', 'x-request-id: my-id-1']);
  assert.equal(echoOf(r.body).headers['x-request-id'], 'my-id-1');
});

test('route matching: path, regex, header, query parameter, method, virtual host', async () => {
  assert.equal(echoOf((await curl(url('/exact'))).body).server, 'b');
  assert.equal((await curl(url('/exact/more'))).status, 404);
  assert.equal(echoOf((await curl(url('/re/123'))).body).server, 'b');
  assert.equal(echoOf((await curl(url('/hdr'), ['-H', 'x-pick: b'])).body).server, 'b');
  assert.equal(echoOf((await curl(url('/zzz?to=b'))).body).server, 'b');
  assert.equal((await curl(url('/only-get'))).status, 200);
  assert.equal((await curl(url('/only-get'), ['-X', 'DELETE'])).status, 404);
  const special = await curl(url('/x'), ['-H', 'Host: SPECIAL.example.com']);
  assert.equal(special.status, 202);
  assert.equal(special.body, 'special host');
});

test('no route: 404 with an empty body and NR in the access log', async () => {
  const r = await curl(url('/nothing-here'), ['-H', 'x-request-id: nr-test']);
  assert.equal(r.status, 404);
  assert.equal(r.body, '');
  const stats = await (await proxy.admin('/stats?filter=no_route')).text();
  assert.match(stats, /http\.ingress_http\.no_route: [1-9]/);
  let line: string | undefined;
  for (let i = 0; i < 40 && line === undefined; i++) {
    await new Promise((res) => setTimeout(res, 50));
    line = readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('"nr-test"'));
  }
  assert.ok(line, 'access log line for the request');
  assert.match(line!, /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] "GET \/nothing-here HTTP\/1\.1" 404 NR 0 0 \d+ - "-" "curl\/[^"]+" "nr-test" "127\.0\.0\.1:\d+" "-"$/);
});

test('direct_response and redirects', async () => {
  const d = await curl(url('/direct'));
  assert.equal(d.status, 200);
  assert.equal(d.body, 'hello from strait');
  const s = await curl(url('/secure/page?x=1'), ['-H', 'Host: shop.example.com']);
  assert.equal(s.status, 301);
  assert.equal(s.headers.location, 'https://shop.example.com/secure/page?x=1');
  const m = await curl(url('/moved'), ['-H', 'Host: shop.example.com']);
  assert.equal(m.status, 302);
  assert.equal(m.headers.location, 'http://shop.example.com/new-place');
});

test('prefix_rewrite sends the rewritten path and keeps the original in x-envoy-original-path', async () => {
  const e = echoOf((await curl(url('/api/items?id=3'))).body);
  assert.equal(e.url, '/v2/items?id=3');
  assert.equal(e.headers['x-envoy-original-path'], '/api/items?id=3');
});

test('weighted_clusters 0/100 and cluster_header', async () => {
  for (let i = 0; i < 5; i++) assert.equal(echoOf((await curl(url('/weighted'))).body).server, 'b');
  assert.equal(echoOf((await curl(url('/by-header'), ['-H', 'x-cluster: a'])).body).server, 'a');
  const nc = await curl(url('/by-header'), ['-H', 'x-cluster: nope']);
  assert.equal(nc.status, 503);
});

test('header manipulation at route level', async () => {
  const r = await curl(url('/mods'), ['-H', 'x-drop-me: 1']);
  const e = echoOf(r.body);
  assert.equal(e.headers['x-route'], 'mods');
  assert.equal(e.headers['x-drop-me'], undefined);
  assert.equal(r.headers['x-resp'], 'added');
  assert.equal(r.headers['x-upstream'], undefined);
});

test('connection refused: 503 with Envoy body; no endpoints: 503 no healthy upstream', async () => {
  const r = await curl(url('/refused'));
  assert.equal(r.status, 503);
  assert.match(r.body, /^upstream connect error or disconnect\/reset before headers\. reset reason: remote connection failure, transport failure reason: delayed connect error: (Connection refused|111)$/);
  const u = await curl(url('/nohosts'));
  assert.equal(u.status, 503);
  assert.equal(u.body, 'no healthy upstream');
  const stats = await (await proxy.admin('/stats')).text();
  assert.match(stats, /cluster\.closed\.upstream_cx_connect_fail: [1-9]/);
  assert.match(stats, /cluster\.empty\.upstream_cx_none_healthy: 1/);
});

test('a malformed request gets 400 and the proxy keeps serving', async () => {
  const sock = net.connect(port, '127.0.0.1');
  const reply = await new Promise<string>((resolve) => {
    let buf = '';
    sock.on('data', (d) => { buf += d; });
    sock.on('close', () => resolve(buf));
    sock.on('error', () => resolve(buf));
    sock.write('GET / HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n');
    setTimeout(() => sock.destroy(), 3000);
  });
  assert.match(reply, /^HTTP\/1\.1 400 /);
  assert.equal((await curl(url('/a'))).status, 200);
});

test('upstream connections are kept alive and reused across requests', async () => {
  const read = async (): Promise<{ cx: number; rq: number }> => {
    const text = await (await proxy.admin('/stats?filter=^cluster\\.b\\.upstream_(cx|rq)_total$')).text();
    const cx = Number(/upstream_cx_total: (\d+)/.exec(text)?.[1]);
    const rq = Number(/upstream_rq_total: (\d+)/.exec(text)?.[1]);
    return { cx, rq };
  };
  await curl(url('/exact'));
  const before = await read();
  for (let i = 0; i < 5; i++) assert.equal((await curl(url('/exact'))).status, 200);
  const after = await read();
  assert.equal(after.rq - before.rq, 5);
  assert.equal(after.cx, before.cx, 'no new upstream connection for sequential requests');
});

test('HTTP/1.0 is refused with 426 unless accept_http_10 is set', async () => {
  const r = await curl(url('/a'), ['-0']);
  assert.equal(r.status, 426);
});
