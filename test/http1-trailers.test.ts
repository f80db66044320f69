// HTTP/1 request trailers through the proxy: dropped on the way to an HTTP/1 upstream unless the
// cluster sets http_protocol_options.enable_trailers, as Envoy's HTTP/1 codec drops proxied trailers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { startEchoUpstream, type Echo, type EchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';

let echo: EchoUpstream;
let proxy: RunningProxy;
let port: number;

const HTTP_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

before(async () => {
  echo = await startEchoUpstream('echo');
  proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([
      { match: { prefix: '/kept' }, route: { cluster: 'with_trailers' } },
      { match: { prefix: '/' }, route: { cluster: 'plain' } },
    ]),
    clusters: [
      { name: 'plain', ports: [echo.port] },
      { name: 'with_trailers', ports: [echo.port], extra: { typed_extension_protocol_options: { [HTTP_OPTIONS]: {
        '@type': `type.googleapis.com/${HTTP_OPTIONS}`, explicit_http_config: { http_protocol_options: { enable_trailers: true } } } } } },
    ],
  }));
  port = await proxy.listenerPort('test');
});

after(async () => {
  await proxy?.stop();
  await echo?.close();
});

/** POSTs a chunked body with `trailers` (node's HTTP client) and returns what the upstream saw. */
async function sendWithTrailers(path: string, trailers: Record<string, string>): Promise<Echo> {
  const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false,
    headers: { 'transfer-encoding': 'chunked' } });
  req.write('abc');
  req.addTrailers(trailers);
  req.end();
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  assert.equal(res.statusCode, 200);
  return JSON.parse(Buffer.concat(chunks).toString()) as Echo;
}

test('request trailers are dropped for an HTTP/1 upstream by default; the body still arrives', async () => {
  const e = await sendWithTrailers('/dropped', { 'X-Sum': '42' });
  assert.equal(e.bodyBytes, 3);
  assert.deepEqual(e.trailers, {});
});

test('http_protocol_options.enable_trailers on the cluster sends them', async () => {
  const e = await sendWithTrailers('/kept', { 'X-Sum': '42' });
  assert.equal(e.bodyBytes, 3);
  assert.deepEqual(e.trailers, { 'x-sum': '42' });
});

// Found by the HTTP/1 fuzz target: a `Connection: close` trailer reached the upstream, which then took the
// pooled connection as closing and refused the next request sent on it with a 400.
test('a client\'s `Connection: close` trailer does not spoil the pooled upstream connection', async () => {
  await sendWithTrailers('/first', { Connection: 'close' });
  const opened = echo.connections;
  const second = await sendWithTrailers('/second', {});
  assert.equal(second.url, '/second');
  assert.equal(echo.connections, opened, 'the second request reused the first one\'s upstream connection');
});
