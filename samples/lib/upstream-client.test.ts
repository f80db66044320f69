// Tests of the samples' upstream client: proxy selection from http_proxy/HTTP_PROXY and
// no_proxy/NO_PROXY, and absolute-form requests through a real proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { bypassesProxy, httpCall, proxyFor } from './upstream-client.js';
import { listen } from './http-server.js';
import { startTestProxy } from './test-proxy.js';

const u = (s: string): URL => new URL(s);

test('http_proxy wins over HTTP_PROXY; https URLs and unset variables go direct', () => {
  assert.equal(proxyFor(u('http://catalog/items'), { HTTP_PROXY: 'http://127.0.0.1:15001' })?.port, '15001');
  assert.equal(proxyFor(u('http://catalog/items'), { http_proxy: '127.0.0.1:1', HTTP_PROXY: 'http://127.0.0.1:2' })?.port, '1');
  assert.equal(proxyFor(u('http://catalog/items'), {}), undefined);
  assert.equal(proxyFor(u('https://catalog/items'), { HTTP_PROXY: 'http://127.0.0.1:1' }), undefined);
});

test('no_proxy: "*", exact hosts, domain suffixes with or without a dot, ports', () => {
  assert.equal(bypassesProxy(u('http://a.b/'), { NO_PROXY: '*' }), true);
  assert.equal(bypassesProxy(u('http://localhost:3000/'), { no_proxy: 'localhost,127.0.0.1' }), true);
  assert.equal(bypassesProxy(u('http://catalog.istioinaction/'), { NO_PROXY: '.istioinaction' }), true);
  assert.equal(bypassesProxy(u('http://catalog.istioinaction/'), { NO_PROXY: 'istioinaction' }), true);
  assert.equal(bypassesProxy(u('http://xistioinaction/'), { NO_PROXY: 'istioinaction' }), false);
  assert.equal(bypassesProxy(u('http://catalog:80/'), { NO_PROXY: 'catalog:8080' }), false);
  assert.equal(bypassesProxy(u('http://catalog/'), { NO_PROXY: 'catalog:80' }), true);
  assert.equal(proxyFor(u('http://catalog/'), { HTTP_PROXY: 'http://p:1', NO_PROXY: 'catalog' }), undefined);
});

test('through the proxy the request line is absolute-form and Host names the destination', async () => {
  const origin = await listen(http.createServer((req, res) => res.end(`${req.url} ${req.headers.host} ${req.headers['x-a']}`)),
    { host: '127.0.0.1', port: 0 });
  const proxy = await startTestProxy({ 'catalog.istioinaction:80': origin.port });
  try {
    const r = await httpCall({ url: 'http://catalog.istioinaction:80/items?x=1', headers: { 'x-a': 'b' } },
      { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` });
    assert.equal(r.status, 200);
    assert.equal(proxy.seen[0]?.url, 'http://catalog.istioinaction:80/items?x=1');
    assert.equal(proxy.seen[0]?.host, 'catalog.istioinaction:80');
    assert.equal(r.body.toString(), '/items?x=1 catalog.istioinaction:80 b');
  } finally {
    await proxy.close();
    await origin.close();
  }
});
