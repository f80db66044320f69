// HTTP/2 both ways (nghttp for h2c downstream, node:http2 upstream with trailers), WebSocket
// upgrades, streaming large bodies, retry headers and circuit breaking, through the proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml } from './lib/config.js';
import { curl } from './lib/curl.js';

let echo: EchoUpstream;
let h2server: http2.Http2Server;
let h2port: number;
let wsServer: http.Server;
let wsPort: number;
let proxy: RunningProxy;
let port: number;

before(async () => {
  echo = await startEchoUpstream('echo');
  h2server = http2.createServer();
  h2server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-h2-path': String(headers[':path']) },
        { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
      stream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => h2server.listen(0, '127.0.0.1', r));
  h2port = (h2server.address() as net.AddressInfo).port;

  wsServer = http.createServer((_req, res) => res.end('not an upgrade'));
  wsServer.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => wsServer.listen(0, '127.0.0.1', r));
  wsPort = (wsServer.address() as net.AddressInfo).port;

  proxy = await startProxy(bootstrapYaml({
    routeConfig: {
      name: 'r',
      virtual_hosts: [{
        name: 'all', domains: ['*'],
        routes: [
          { match: { prefix: '/grpc' }, route: { cluster: 'h2' } },
          { match: { prefix: '/ws' }, route: { cluster: 'ws' } },
          { match: { prefix: '/slow' }, route: { cluster: 'tiny' } },
          { match: { prefix: '/pertry' }, route: { cluster: 'pertry', prefix_rewrite: '/delay/800',
            retry_policy: { retry_on: 'reset', num_retries: 1, per_try_timeout: '0.2s' } } },
          { match: { prefix: '/nc' }, route: { cluster_header: 'x-cluster' } },
          { match: { prefix: '/' }, route: { cluster: 'echo' } },
        ],
      }],
    },
    clusters: [
      { name: 'echo', ports: [echo.port] },
      { name: 'pertry', ports: [echo.port] },
      { name: 'h2', ports: [h2port], extra: { http2_protocol_options: {} } },
      { name: 'ws', ports: [wsPort] },
      { name: 'tiny', ports: [echo.port], extra: { circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 1, max_requests: 1 }] } } },
    ],
    hcm: { upgrade_configs: [{ upgrade_type: 'websocket' }] },
  }));
  port = await proxy.listenerPort('test');
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
  h2server?.close();
  wsServer?.closeAllConnections();
  wsServer?.close();
});

function nghttp(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('nghttp', ['-v', '-t', '10', ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err && stdout === '') reject(err);
      else resolve(stdout);
    });
  });
}

test('h2c downstream (nghttp, prior knowledge) to an HTTP/1.1 upstream', async () => {
  const out = await nghttp([`http://127.0.0.1:${port}/one`, `http://127.0.0.1:${port}/two`]);
  assert.match(out, /:status: 200/);
  assert.equal((out.match(/recv HEADERS frame/g) ?? []).length, 2, 'two responses on one connection');
  assert.match(out, /server: envoy/);
  const seen = echo.requests.filter((r) => r.url === '/one' || r.url === '/two');
  assert.equal(seen.length, 2);
  assert.equal(seen[0].httpVersion, '1.1');
  assert.equal(seen[0].headers.host, `127.0.0.1:${port}`);
});

test('gRPC-style request: h2c downstream to an HTTP/2 upstream keeps trailers', async () => {
  const out = await nghttp(['-H', 'content-type: application/grpc', '-H', 'te: trailers', '-d', '/dev/null',
    `http://127.0.0.1:${port}/grpc/Svc/Method`]);
  assert.match(out, /:status: 200/);
  assert.match(out, /x-h2-path: \/grpc\/Svc\/Method/);
  assert.match(out, /grpc-status: 0/);
  assert.match(out, /grpc-message: ok/);
});

test('HTTP/1.1 downstream to an HTTP/2 upstream', async () => {
  const r = await curl(`http://127.0.0.1:${port}/grpc/plain`, ['-X', 'POST', '--data-binary', 'abc']);
  assert.equal(r.status, 200);
  assert.equal(r.body, 'abc');
});

test('WebSocket upgrade is proxied and data flows both ways', async () => {
  const sock = net.connect(port, '127.0.0.1');
  const got = await new Promise<string>((resolve) => {
    let buf = '';
    let sent = false;
    sock.on('data', (d) => {
      buf += d;
      if (!sent && buf.includes('\r\n\r\n')) {
        sent = true;
        sock.write('ping');
      }
      if (buf.includes('echo:ping')) resolve(buf);
    });
    sock.on('close', () => resolve(buf));
    sock.write(`GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    setTimeout(() => resolve(buf), 5000);
  });
  sock.destroy();
  assert.match(got, /^HTTP\/1\.1 101 /);
  assert.match(got, /echo:ping/);
});

test('a 20 MB upload streams through and arrives intact', async () => {
  const body = randomBytes(20 * 1024 * 1024);
  const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/upload', method: 'POST',
      headers: { 'content-type': 'application/octet-stream' } }, (r) => {
      let text = '';
      r.on('data', (d) => { text += d; });
      r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.text).bodyBytes, body.length);
  assert.ok(createHash('sha1').update(body).digest('hex').length === 40);
});

test('x-envoy-retry-on / x-envoy-max-retries request headers retry a 503 once', async () => {
  const r = await curl(`http://127.0.0.1:${port}/fail-once/k1`, ['-H', 'x-envoy-retry-on: 5xx', '-H', 'x-envoy-max-retries: 2']);
  assert.equal(r.status, 200);
  const e = JSON.parse(r.body);
  assert.equal(e.headers['x-envoy-retry-on'], undefined, 'consumed by the router');
  const stats = await (await proxy.admin('/stats?filter=cluster.echo.upstream_rq_retry')).text();
  assert.match(stats, /cluster\.echo\.upstream_rq_retry: 1/);
  assert.match(stats, /cluster\.echo\.upstream_rq_retry_success: 1/);
});

test('circuit breaker of 1 request answers the overflow with 503 UO', async () => {
  const get = (): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/slow/delay/1000', agent: false }, (r) => {
      let body = '';
      r.on('data', (d) => { body += d; });
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    }).on('error', reject);
  });
  const results = await Promise.all([0, 1, 2, 3].map(get));
  const codes = results.map((r) => r.status).sort();
  assert.ok(codes.includes(200), `codes ${codes}`);
  assert.ok(codes.includes(503), `codes ${codes}`);
  const overflow = results.find((r) => r.status === 503)!;
  assert.equal(overflow.body, 'upstream connect error or disconnect/reset before headers. reset reason: overflow');
  const stats = await (await proxy.admin('/stats?filter=cluster.tiny.upstream_rq_pending_overflow')).text();
  assert.match(stats, /upstream_rq_pending_overflow: [1-9]/);
});

test('per_try_timeout: each try is cut at 200 ms, one retry, then 504', async () => {
  const started = Date.now();
  const r = await curl(`http://127.0.0.1:${port}/pertry`);
  const took = Date.now() - started;
  assert.equal(r.status, 504);
  assert.equal(r.body, 'upstream request timeout');
  assert.ok(took >= 350 && took < 1500, `took ${took} ms`);
  const stats = await (await proxy.admin('/stats?filter=^cluster\\.pertry\\.upstream_rq_(per_try_timeout|retry)$')).text();
  assert.match(stats, /upstream_rq_per_try_timeout: 2/);
  assert.match(stats, /upstream_rq_retry: 1/);
});

test('a gRPC request answered locally (503 NC) gets a trailers-only reply with grpc-status 14', async () => {
  const out = await nghttp(['-H', 'content-type: application/grpc', `http://127.0.0.1:${port}/nc.Svc/Method`]);
  assert.match(out, /:status: 200/);
  assert.match(out, /grpc-status: 14/);
});
