// The service proxy with real curl as its client: names resolved per namespace, requests relayed over plain TCP
// with one request per connection, resets and refusals passed on as resets, unknown hosts, oversized heads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { startServiceProxy, type Endpoint } from './service-proxy.js';

interface Run { code: number; stdout: string; stderr: string }
const curl = (proxy: string, args: string[]): Promise<Run> => new Promise((resolve) => {
  execFile('curl', ['-sS', '--max-time', '5', '-x', `http://${proxy}`, ...args], (err, stdout, stderr) => {
    resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
  });
});

const listen = (server: net.Server): Promise<number> =>
  new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));

test('the service proxy relays to a Service\'s endpoint, resets on reset or refusal, and refuses what it cannot serve', async (t) => {
  const seen: string[] = [];
  const web = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url} host=${req.headers.host} connection=${req.headers.connection} proxy=${req.headers['proxy-connection'] ?? '-'}`);
    res.end('hello from web');
  });
  // A pod whose listener resets every connection once the request arrives (a STRICT sidecar asked for plaintext).
  const strict = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
  const [webPort, strictPort] = [await listen(web), await listen(strict)];
  const gone = net.createServer();
  const closed = await listen(gone);
  await new Promise((r) => gone.close(r)); // a port nothing listens on
  const endpoints: Record<string, Endpoint[]> = {
    'web.shop:80': [{ host: '127.0.0.1', port: webPort }],
    'strict.shop:80': [{ host: '127.0.0.1', port: strictPort }],
    'gone.shop:80': [{ host: '127.0.0.1', port: closed }],
    'empty.shop:80': [],
  };
  const asked: string[] = [];
  const proxy = await startServiceProxy({
    host: '127.0.0.1', namespace: 'shop', maxHeaderBytes: 1024,
    resolve: (ns, host, port) => {
      asked.push(`${ns} ${host}:${port}`);
      const [name, namespace = ns, ...rest] = host.split('.');
      if (rest.length > 0 && rest.join('.') !== 'svc.cluster.local') return undefined;
      return endpoints[`${name}.${namespace}:${port}`];
    },
  });
  t.after(async () => { await proxy.close(); web.close(); strict.close(); });

  const ok = await curl(proxy.address, ['http://web/a?b=1']);
  assert.deepEqual([ok.code, ok.stdout], [0, 'hello from web']);
  const fqdn = await curl(proxy.address, ['-H', 'Proxy-Connection: keep-alive', 'http://web.shop.svc.cluster.local/x']);
  assert.equal(fqdn.stdout, 'hello from web');
  assert.deepEqual(seen, ['GET /a?b=1 host=web connection=close proxy=-', 'GET /x host=web.shop.svc.cluster.local connection=close proxy=-']);
  assert.deepEqual(asked.slice(0, 2), ['shop web:80', 'shop web.shop.svc.cluster.local:80']);

  // Reset by the pod, refused by it, or no endpoint at all: curl sees its connection reset (exit 56), no answer made up.
  for (const host of ['strict', 'gone', 'empty']) {
    const r = await curl(proxy.address, [`http://${host}/`]);
    assert.equal(r.code, 56, `${host}: ${r.stderr}`);
    assert.match(r.stderr, /Connection reset by peer/);
    assert.equal(r.stdout, '');
  }
  // A name no Service has: 502 naming it (curl -f: exit 22).
  const unknown = await curl(proxy.address, ['-f', 'http://nowhere.shop/']);
  assert.equal(unknown.code, 22);
  const unknownBody = await curl(proxy.address, ['-w', '%{http_code}', 'http://nowhere.shop/']);
  assert.equal(unknownBody.stdout, 'service proxy: could not resolve host: nowhere.shop\n502');
  // A request head over the limit gets 431 and nothing reaches the upstream.
  const big = await curl(proxy.address, ['-w', '%{http_code}', '-o', '/dev/null', '-H', `x-big: ${'a'.repeat(2000)}`, 'http://web/']);
  assert.equal(big.stdout, '431');
  assert.equal(seen.length, 2);
  // Origin-form requests are not proxy requests.
  const direct = await new Promise<string>((resolve) => {
    const s = net.connect(Number(proxy.address.split(':')[1]), '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nhost: web\r\n\r\n'));
    let got = '';
    s.on('data', (d) => { got += d; }).on('close', () => resolve(got));
  });
  assert.match(direct, /^HTTP\/1\.1 400 Bad Request\r\n/);
});
