// The connection manager's timeouts through a real proxy on loopback: request_headers_timeout against a
// slowloris client, request_timeout with a slow body, stream_idle_timeout, idle_timeout from accept (AUTO
// codec, HTTP/2, TLS), max_connection_duration and max_stream_duration; replies, stats and access logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { RawConnection } from './lib/raw-connection.js';
import { makeTestPki, type TestPki } from './lib/tls-certs.js';
import { curl } from './lib/curl.js';
import { waitFor } from './lib/wait.js';

const LIMIT = { timeout: 30_000 };
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

let echo: EchoUpstream;
let stall: http.Server;
let stallPort: number;
let proxy: RunningProxy;
let pki: TestPki;
let dir: string;
const ports: Record<string, number> = {};

/** Listeners by name: each one's HCM fields (stat_prefix and access log file are the name). */
const LISTENERS: Record<string, Record<string, unknown>> = {
  headers: { request_headers_timeout: '0.5s' },
  request: { request_timeout: '0.5s' },
  idle: { stream_idle_timeout: '0.3s' },
  conn_idle: { common_http_protocol_options: { idle_timeout: '0.3s' }, drain_timeout: '0.2s' },
  duration: { common_http_protocol_options: { max_connection_duration: '0.6s', max_stream_duration: '0.3s' } },
  tls_idle: { common_http_protocol_options: { idle_timeout: '0.3s' } },
  plain: {},
};

function configYaml(): string {
  const routes = simpleRoutes([
    { match: { prefix: '/stall' }, route: { cluster: 'stall' } },
    // Route-level timeouts; the suffix after the prefix is the upstream's delay in ms.
    { match: { prefix: '/r/idle/' }, route: { cluster: 'echo', idle_timeout: '0.3s', prefix_rewrite: '/delay/' } },
    { match: { prefix: '/r/no-idle/' }, route: { cluster: 'echo', idle_timeout: '0s', prefix_rewrite: '/delay/' } },
    { match: { prefix: '/r/duration/' }, route: { cluster: 'echo', timeout: '0.2s',
      max_stream_duration: { max_stream_duration: '1s' }, prefix_rewrite: '/delay/' } },
    { match: { prefix: '/r/grpc-header/' }, route: { cluster: 'echo',
      max_stream_duration: { grpc_timeout_header_max: '0s' }, prefix_rewrite: '/delay/' } },
    { match: { prefix: '/r/grpc-max/' }, route: { cluster: 'echo', max_grpc_timeout: '0.3s', prefix_rewrite: '/delay/' } },
    { match: { prefix: '/' }, route: { cluster: 'echo' } },
  ]);
  const base = JSON.parse(bootstrapYaml({ routeConfig: routes,
    clusters: [{ name: 'echo', ports: [echo.port] }, { name: 'stall', ports: [stallPort] }] })) as {
    static_resources: { listeners: Array<Record<string, unknown> & { filter_chains: Array<Record<string, unknown>> }> };
  };
  const template = base.static_resources.listeners[0]!;
  base.static_resources.listeners = Object.entries(LISTENERS).map(([name, hcm]) => {
    const l = structuredClone(template);
    l.name = name;
    const chain = l.filter_chains[0]! as { filters: Array<{ typed_config: Record<string, unknown> }>; transport_socket?: unknown };
    Object.assign(chain.filters[0]!.typed_config, { stat_prefix: name, ...hcm, access_log: [{ name: 'envoy.access_loggers.file',
      typed_config: { '@type': FILE_LOG, path: join(dir, `${name}.log`),
        log_format: { text_format_source: { inline_string: '%RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %RESPONSE_FLAGS%\n' } } } }] });
    if (name === 'tls_idle') {
      chain.transport_socket = { name: 'envoy.transport_sockets.tls', typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        common_tls_context: { tls_certificates: [{ certificate_chain: { filename: pki.serverCert },
          private_key: { filename: pki.serverKey } }] } } };
    }
    return l;
  });
  return JSON.stringify(base, null, 2);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strait-timeouts-'));
  pki = makeTestPki();
  echo = await startEchoUpstream('echo');
  // Answers the head and a part of the body, then never more.
  stall = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
  });
  await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
  stallPort = (stall.address() as net.AddressInfo).port;
  proxy = await startProxy(configYaml());
  for (const name of Object.keys(LISTENERS)) ports[name] = await proxy.listenerPort(name);
});

after(async () => {
  await proxy?.stop();
  stall?.closeAllConnections();
  await new Promise((r) => stall?.close(r));
  await echo?.close();
  pki?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function counter(name: string): Promise<number> {
  const text = await (await proxy.admin(`/stats?filter=^${name.replace(/\./g, '\\.')}$`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}: `));
  return line === undefined ? 0 : Number(line.slice(name.length + 2));
}

/** The access log lines of a listener, once it has `n` of them. */
async function logLines(name: string, n: number): Promise<string[]> {
  const path = join(dir, `${name}.log`);
  return waitFor(`${n} access log lines of ${name}`, 3000, () => {
    if (!existsSync(path)) return undefined;
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
    return lines.length >= n ? lines : undefined;
  });
}

const SLOW_HEADERS = 'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ' + 'a'.repeat(1000);

test('request_headers_timeout: a client sending one header byte every 100 ms gets 408 and the connection closes', LIMIT, async () => {
  const c = await RawConnection.open(ports.headers!);
  const sent = await c.trickle(SLOW_HEADERS, 100, 5000);
  assert.ok(await c.waitClosed(2000), `the connection stayed open (${sent} bytes sent in ${Math.round(c.elapsedMs())} ms)`);
  assert.match(c.received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(c.received, /\r\nconnection: close\r\n/);
  assert.match(c.received, /\r\n\r\nrequest header timeout$/);
  assert.ok(c.closedAfterMs! >= 450 && c.closedAfterMs! < 3000, `closed after ${c.closedAfterMs} ms`);
  assert.ok(sent < 15, `${sent} header bytes were taken`);
  assert.equal(await counter('http.headers.downstream_rq_header_timeout'), 1);
  assert.deepEqual(await logLines('headers', 1), ['408 request_header_timeout -']);
});

test('request_headers_timeout counts from the first byte of each request, and ends with the headers', LIMIT, async () => {
  const c = await RawConnection.open(ports.headers!);
  try {
    // Quiet for longer than the timeout before the first request: not header time.
    await new Promise((r) => setTimeout(r, 700));
    // Headers in one go, then an upstream slower than the timeout.
    c.write('GET /delay/800 HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.waitFor(/^HTTP\/1\.1 200 /, 3000);
    await new Promise((r) => setTimeout(r, 700));
    c.write('GET /again HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.waitFor(/HTTP\/1\.1 200 [^]*HTTP\/1\.1 200 /, 3000);
    assert.equal(c.isClosed, false);
  } finally {
    c.destroy();
  }
  assert.equal(await counter('http.headers.downstream_rq_header_timeout'), 1);
});

test('request_timeout: a body trickling in gets 408 request timeout; a slow upstream does not', LIMIT, async () => {
  const c = await RawConnection.open(ports.request!);
  c.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n');
  await c.trickle('b'.repeat(100), 100, 5000);
  assert.ok(await c.waitClosed(2000));
  assert.match(c.received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(c.received, /\r\n\r\nrequest timeout$/);
  assert.ok(c.closedAfterMs! >= 450 && c.closedAfterMs! < 3000, `closed after ${c.closedAfterMs} ms`);
  // The same over HTTP/2 (h2c prior knowledge on the AUTO codec).
  const session = http2.connect(`http://127.0.0.1:${ports.request}`);
  session.on('error', () => { /* ends with the test */ });
  try {
    const req = session.request({ ':method': 'POST', ':path': '/' });
    req.on('error', () => { /* the stream may be reset after the answer */ });
    req.write('part of a body');
    const [status, body] = await new Promise<[unknown, string]>((resolve) => {
      let text = '';
      let st: unknown;
      req.on('response', (h) => { st = h[':status']; });
      req.on('data', (d: Buffer) => { text += d.toString(); });
      req.on('close', () => resolve([st, text]));
    });
    assert.equal(status, 408);
    assert.equal(body, 'request timeout');
  } finally {
    session.destroy();
  }
  // The whole request went upstream: the timer is off, the route's own timeout applies.
  const slow = await curl(`http://127.0.0.1:${ports.request}/delay/800`);
  assert.equal(slow.status, 200);
  assert.equal(await counter('http.request.downstream_rq_timeout'), 2);
  assert.deepEqual(await logLines('request', 3), ['408 request_overall_timeout -', '408 request_overall_timeout -',
    '200 via_upstream -']);
});

test('stream_idle_timeout: 504 once the request is in, 408 while it is not, a reset after the response began', LIMIT, async () => {
  const slow = await curl(`http://127.0.0.1:${ports.idle}/delay/1500`);
  assert.equal(slow.status, 504);
  assert.equal(slow.body, 'stream timeout');

  const body = await RawConnection.open(ports.idle!);
  body.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello');
  assert.ok(await body.waitClosed(2000));
  assert.match(body.received, /^HTTP\/1\.1 408 Request Timeout\r\n[^]*\r\n\r\nstream timeout$/);

  // Before any complete header, the stream idle timer covers the header bytes too.
  const loris = await RawConnection.open(ports.idle!);
  loris.write('GET / HTTP/1.1\r\nHost: a\r\n');
  assert.ok(await loris.waitClosed(2000));
  assert.match(loris.received, /^HTTP\/1\.1 408 Request Timeout\r\n[^]*stream timeout$/);

  const begun = await RawConnection.open(ports.idle!);
  begun.write('GET /stall HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.ok(await begun.waitClosed(2000));
  assert.match(begun.received, /^HTTP\/1\.1 200 OK\r\n[^]*content-length: 100\r\n[^]*\r\n\r\npartial$/);

  assert.equal(await counter('http.idle.downstream_rq_idle_timeout'), 4);
  const lines = (await logLines('idle', 4)).sort();
  assert.deepEqual(lines.slice(1), ['408 stream_idle_timeout SI', '408 stream_idle_timeout SI', '504 stream_idle_timeout SI']);
  assert.match(lines[0]!, /^200 stream_idle_timeout (\S+,)?SI$/);
});

test('idle_timeout runs from accept: a connection that never sends a byte is closed (AUTO codec)', LIMIT, async () => {
  const before = await counter('http.conn_idle.downstream_cx_idle_timeout');
  const silent = await RawConnection.open(ports.conn_idle!);
  assert.ok(await silent.waitClosed(2000), 'the silent connection stayed open');
  assert.ok(silent.closedAfterMs! >= 250, `closed after ${silent.closedAfterMs} ms`);
  assert.equal(silent.received, '');

  // HTTP/1 keep-alive: closed once idle after its response.
  const kept = await RawConnection.open(ports.conn_idle!);
  kept.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  await kept.waitFor(/^HTTP\/1\.1 200 /, 3000);
  assert.ok(await kept.waitClosed(2000), 'the idle keep-alive connection stayed open');
  assert.equal(await counter('http.conn_idle.downstream_cx_idle_timeout'), before + 2);
});

test('idle_timeout on HTTP/2: a shutdown notice, the final GOAWAY after drain_timeout, then close', LIMIT, async () => {
  const before = await counter('http.conn_idle.downstream_cx_idle_timeout');
  const session = http2.connect(`http://127.0.0.1:${ports.conn_idle}`);
  const goaways: number[] = [];
  session.on('goaway', (_code: number, lastStreamId: number) => goaways.push(lastStreamId));
  session.on('error', () => { /* the proxy closes the session */ });
  const req = session.request({ ':path': '/' });
  req.resume();
  const status = await new Promise((resolve) => req.on('response', (h) => resolve(h[':status'])));
  assert.equal(status, 200);
  await new Promise((resolve) => req.on('close', resolve));
  await waitFor('the session to close', 3000, () => (session.closed || session.destroyed ? true : undefined));
  assert.equal(goaways[0], 0x7fffffff, 'the first GOAWAY is the shutdown notice');
  session.destroy();
  assert.equal(await counter('http.conn_idle.downstream_cx_idle_timeout'), before + 1);
});

test('idle_timeout also bounds a TLS connection that never starts its handshake', LIMIT, async () => {
  const silent = await RawConnection.open(ports.tls_idle!);
  assert.ok(await silent.waitClosed(2000), 'the connection stayed open');
  assert.equal(await counter('http.tls_idle.downstream_cx_idle_timeout'), 1);
  // A handshake and a request go through.
  const s = tls.connect({ port: ports.tls_idle!, host: '127.0.0.1', ca: pki.read(pki.caCert), servername: 'example.com' });
  await new Promise((resolve, reject) => { s.once('secureConnect', resolve); s.once('error', reject); });
  s.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  let text = '';
  s.on('data', (d: Buffer) => { text += d.toString(); });
  await new Promise((resolve) => s.on('close', resolve));
  assert.match(text, /^HTTP\/1\.1 200 /);
});

test('max_stream_duration answers a stream that runs too long; max_connection_duration drains the connection', LIMIT, async () => {
  const slow = await curl(`http://127.0.0.1:${ports.duration}/delay/1500`);
  assert.equal(slow.status, 504);
  assert.equal(slow.body, 'downstream duration timeout');
  assert.equal(await counter('http.duration.downstream_rq_max_duration_reached'), 1);

  // Requests one after another on one connection: it ends after about 0.6 s, every answer complete.
  const c = await RawConnection.open(ports.duration!);
  let sent = 0;
  while (!c.isClosed && c.elapsedMs() < 3000) {
    c.write(`GET /n${sent++} HTTP/1.1\r\nHost: a\r\n\r\n`);
    await c.waitFor(new RegExp(`(HTTP/1\\.1 200 [^]*?){${sent}}`), 2000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(c.isClosed, 'the connection outlived max_connection_duration');
  assert.ok(c.closedAfterMs! >= 550 && c.closedAfterMs! < 3000, `closed after ${c.closedAfterMs} ms`);
  assert.ok(sent >= 3, `${sent} requests`);
  assert.equal(await counter('http.duration.downstream_cx_max_duration_reached'), 1);
});

test('route timeouts: idle_timeout overrides stream_idle_timeout; max_stream_duration replaces the route timeout', LIMIT, async () => {
  const plain = (path: string, args: string[] = []): ReturnType<typeof curl> => curl(`http://127.0.0.1:${ports.plain}${path}`, args);
  const idle = await plain('/r/idle/1500');
  assert.equal(idle.status, 504);
  assert.equal(idle.body, 'stream timeout');
  // idle_timeout 0 turns the listener's 0.3 s stream_idle_timeout off for the route.
  assert.equal((await curl(`http://127.0.0.1:${ports.idle}/r/no-idle/800`)).status, 200);
  // With max_stream_duration the route's 0.2 s timeout no longer applies; the 1 s duration does.
  assert.equal((await plain('/r/duration/500')).status, 200);
  const long = await plain('/r/duration/1500');
  assert.equal(long.status, 504);
  assert.equal(long.body, 'downstream duration timeout');
  assert.equal(await counter('http.plain.downstream_rq_idle_timeout'), 1);
  assert.equal(await counter('http.plain.downstream_rq_max_duration_reached'), 1);
});

test('gRPC timeouts: grpc-timeout bounds the stream under grpc_timeout_header_max, and the router under max_grpc_timeout', LIMIT, async () => {
  const grpc = (path: string, timeout?: string): ReturnType<typeof curl> => curl(`http://127.0.0.1:${ports.plain}${path}`,
    ['-H', 'content-type: application/grpc', ...(timeout === undefined ? [] : ['-H', `grpc-timeout: ${timeout}`])]);
  // The upstream is told the time the stream has (grpc-timeout rewritten in ms).
  const ok = await grpc('/r/grpc-header/100', '2S');
  assert.equal(ok.status, 200);
  assert.equal((JSON.parse(ok.body) as { headers: Record<string, string> }).headers['grpc-timeout'], '2000m');
  const late = await grpc('/r/grpc-header/1500', '300m');
  assert.equal(late.headers['grpc-status'], '4', 'DEADLINE_EXCEEDED');
  assert.equal(late.headers['grpc-message'], 'downstream duration timeout');
  // max_grpc_timeout caps the router's timeout: 504 upstream request timeout, as gRPC UNAVAILABLE.
  const capped = await grpc('/r/grpc-max/1500', '5S');
  assert.equal(capped.headers['grpc-status'], '14');
  assert.equal(capped.headers['grpc-message'], 'upstream request timeout');
  assert.equal((await grpc('/r/grpc-max/100')).status, 200);
});
