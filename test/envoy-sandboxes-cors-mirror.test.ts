// Envoy's CORS and route-mirror sandbox configs (fixtures adapted in addresses and ports only):
// they behave as the sandboxes' verify.sh checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startProxy } from './lib/proxy-process.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { startBodyUpstream, type BodyUpstream } from './lib/body-upstream.js';
import { curl } from './lib/curl.js';

const DIR = join(REPO_ROOT, 'test', 'fixtures', 'envoy-sandboxes');
/** The sandboxes without an admin section get one, merged in as Envoy merges --config-yaml. */
const ADMIN = ['--config-yaml', 'admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }'];

/** The fixture with its placeholder service ports replaced by live ones. */
function withPorts(file: string, ports: Record<number, number>): string {
  let text = readFileSync(join(DIR, file), 'utf8');
  for (const [from, to] of Object.entries(ports)) {
    assert.ok(text.includes(`port_value: ${from}`), `${file} has port ${from}`);
    text = text.replaceAll(`port_value: ${from}`, `port_value: ${to}`);
  }
  return text;
}

test('CORS sandbox: disabled, open and restricted routes answer as its verify.sh expects', async () => {
  const backend = await startEchoUpstream('backend');
  const proxy = await startProxy(withPorts('cors-backend.yaml', { 18080: backend.port }));
  try {
    const port = await proxy.listenerPort('');
    const get = (path: string, origin: string) => curl(`http://127.0.0.1:${port}${path}`, ['-H', `Origin: ${origin}`]);
    const disabled = await get('/cors/disabled', 'http://example.com');
    assert.equal(disabled.status, 200);
    assert.equal(disabled.headers['access-control-allow-origin'], undefined);
    const open = await get('/cors/open', 'http://example.com');
    assert.equal(open.status, 200);
    assert.equal(open.headers['access-control-allow-origin'], 'http://example.com');
    const restricted = await get('/cors/restricted', 'http://example.com');
    assert.equal(restricted.status, 200);
    assert.equal(restricted.headers['access-control-allow-origin'], undefined);
    const foo = await get('/cors/restricted', 'http://foo.envoyproxy.io');
    assert.equal(foo.headers['access-control-allow-origin'], 'http://foo.envoyproxy.io');
    // A browser's preflight to the open route is answered by the proxy with the route's methods.
    const pre = await curl(`http://127.0.0.1:${port}/cors/open`,
      ['-X', 'OPTIONS', '-H', 'Origin: http://example.com', '-H', 'Access-Control-Request-Method: GET']);
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-methods'], 'GET');
    assert.equal(pre.headers['x-upstream'], undefined);
    const stats = await (await proxy.admin('/stats?filter=ingress_http')).text();
    // origin_invalid: example.com on /cors/restricted; origin_valid: /cors/open (request and preflight)
    // and foo.envoyproxy.io on /cors/restricted. The disabled route evaluates nothing, so counts in neither.
    assert.match(stats, /^http\.ingress_http\.cors\.origin_invalid: 1$/m);
    assert.match(stats, /^http\.ingress_http\.cors\.origin_valid: 3$/m);
  } finally {
    await proxy.stop();
    await backend.close();
  }
});

test('route-mirror sandbox: static and header-chosen mirrors get the -shadow host; bad names are ignored', async () => {
  const names = ['service1', 'service1-mirror', 'service2', 'service2-mirror'];
  const ups: BodyUpstream[] = await Promise.all(names.map((n) => startBodyUpstream(n)));
  const [s1, s1m, s2, s2m] = ups;
  const proxy = await startProxy(withPorts('route-mirror.yaml',
    { 18081: s1.port, 18082: s1m.port, 18083: s2.port, 18084: s2m.port }), ADMIN);
  try {
    const port = await proxy.listenerPort('');
    const host = `localhost:${port}`;
    const get = (path: string, extra: string[] = []) =>
      curl(`http://127.0.0.1:${port}${path}`, ['-H', `Host: ${host}`, ...extra]);
    const one = await get('/service/1');
    assert.equal(one.body, 'hello from service1');
    await s1m.waitFor(1);
    assert.equal(s1.requests[0].host, host);
    assert.equal(s1m.requests[0].host, `localhost-shadow:${port}`);
    assert.equal(s1m.requests[0].method, 'GET');
    const two = await get('/service/2', ['-H', 'x-mirror-cluster: service2-mirror']);
    assert.equal(two.body, 'hello from service2');
    await s2m.waitFor(1);
    assert.equal(s2m.requests[0].host, `localhost-shadow:${port}`);
    // Missing or invalid cluster name in the header: the request is served, nothing more is mirrored.
    assert.equal((await get('/service/2')).body, 'hello from service2');
    assert.equal((await get('/service/2', ['-H', 'x-mirror-cluster: service2-mirror-non-existent'])).body, 'hello from service2');
    // A request mirrored after them is the next the mirror sees: they sent nothing in between.
    await get('/service/2', ['-H', 'x-mirror-cluster: service2-mirror']);
    await s2m.waitFor(2);
    assert.equal(s2.requests.length, 4);
    assert.equal(s2m.requests.length, 2);
  } finally {
    await proxy.stop();
    await Promise.all(ups.map((u) => u.close()));
  }
});
