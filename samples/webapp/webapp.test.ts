// Tests of the webapp sample wired to a real catalog and forum over sockets: the API pass-throughs,
// header forwarding, failure bodies, the HTML page, and calls through an explicit proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startWebapp } from './main.js';
import { startCatalog } from '../catalog/main.js';
import { startForum } from '../forum/main.js';
import { listen, type RunningServer } from '../lib/http-server.js';
import { httpCall, type UpstreamResponse } from '../lib/upstream-client.js';
import { startTestProxy } from '../lib/test-proxy.js';

const quiet = (): void => {};
const get = (url: string, headers: Record<string, string> = {}): Promise<UpstreamResponse> => httpCall({ url, headers }, {});

interface Mesh { web: string; catalog: RunningServer; servers: RunningServer[] }

async function withMesh(body: (m: Mesh) => Promise<void>, extraEnv: Record<string, string> = {}): Promise<void> {
  const catalog = await startCatalog({ host: '127.0.0.1', port: 0, log: quiet });
  const forum = await startForum({ host: '127.0.0.1', port: 0, env: { LOCAL_USERS: 'true' }, log: quiet });
  const web = await startWebapp({ host: '127.0.0.1', port: 0, log: quiet, env: {
    CATALOG_SERVICE_HOST: '127.0.0.1', CATALOG_SERVICE_PORT: String(catalog.port),
    FORUM_SERVICE_HOST: '127.0.0.1', FORUM_SERVICE_PORT: String(forum.port), ...extraEnv,
  } });
  try {
    await body({ web: `http://127.0.0.1:${web.port}`, catalog, servers: [catalog, forum, web] });
  } finally {
    await Promise.all([web.close(), forum.close(), catalog.close()]);
  }
}

test('/api/catalog answers the catalog items; /api/catalog/items/:id one of them', () => withMesh(async ({ web }) => {
  const r = await get(`${web}/api/catalog`);
  assert.equal(r.status, 200);
  const items = JSON.parse(r.body.toString()) as { id: number; name: string }[];
  assert.deepEqual(items.map((i) => i.name), ['Elinor Glasses', 'Atlas Shirt', 'Small Metal Shoes', 'Red Dragon Watch']);
  const one = JSON.parse((await get(`${web}/api/catalog/items/3`)).body.toString()) as { name: string };
  assert.equal(one.name, 'Small Metal Shoes');
}));

test('POST /api/catalog/items creates the item in catalog', () => withMesh(async ({ web }) => {
  const r = await httpCall({ method: 'POST', url: `${web}/api/catalog/items`, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ color: 'blue', department: 'Sports', name: 'Basketball hoop', price: '2700.00' }) }, {});
  assert.equal(r.status, 200);
  const items = JSON.parse((await get(`${web}/api/catalog`)).body.toString()) as { id: number; name: string }[];
  assert.deepEqual(items.at(-1), { id: 5, color: 'blue', department: 'Sports', name: 'Basketball hoop', price: '2700.00' });
  const bad = await httpCall({ method: 'POST', url: `${web}/api/catalog/items`, body: 'nope' }, {});
  assert.equal(bad.status, 400);
  assert.equal(bad.body.toString(), 'Invalid CatalogItem');
}));

test('/api/users answers forum users; /api/healthz "Healthy!"', () => withMesh(async ({ web }) => {
  const users = JSON.parse((await get(`${web}/api/users`)).body.toString()) as { name: string }[];
  assert.equal(users.length, 10);
  assert.equal(users[0]!.name, 'Leanne Graham');
  const h = await get(`${web}/api/healthz`);
  assert.equal(h.status, 200);
  assert.equal(h.body.toString(), 'Healthy!');
}));

test('x-* (any case) and Authorization reach catalog; other headers do not', async () => {
  let seen: http.IncomingHttpHeaders = {};
  const recorder = await listen(http.createServer((req, res) => {
    seen = req.headers;
    res.setHeader('Content-Type', 'application/json');
    res.end('[]');
  }), { host: '127.0.0.1', port: 0 });
  const web = await startWebapp({ host: '127.0.0.1', port: 0, log: quiet,
    env: { CATALOG_SERVICE_HOST: '127.0.0.1', CATALOG_SERVICE_PORT: String(recorder.port) } });
  try {
    const r = await get(`http://127.0.0.1:${web.port}/api/catalog`, {
      'x-dark-launch': 'v2', 'X-Istio-Cohort': '2', 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
      'x-request-id': 'abc', Authorization: 'Bearer t', Cookie: 'c=1', 'User-Agent': 'test-agent',
    });
    assert.equal(r.status, 200);
    assert.equal(seen['x-dark-launch'], 'v2');
    assert.equal(seen['x-istio-cohort'], '2');
    assert.equal(seen['x-b3-traceid'], '80f198ee56343ba864fe8b2a57d3eff7');
    assert.equal(seen['x-request-id'], 'abc');
    assert.equal(seen.authorization, 'Bearer t');
    assert.equal(seen.cookie, undefined);
    assert.notEqual(seen['user-agent'], 'test-agent');
  } finally {
    await web.close();
    await recorder.close();
  }
});

test('x-dark-launch reaches a real catalog (its request log shows the call)', async () => {
  const lines: string[] = [];
  let header: string | undefined;
  const catalog = await startCatalog({ host: '127.0.0.1', port: 0, log: (l) => lines.push(l) });
  const front = await listen(http.createServer((req, res) => {
    header = req.headers['x-dark-launch'] as string | undefined;
    const up = http.request({ host: '127.0.0.1', port: catalog.port, path: req.url, headers: req.headers, agent: false },
      (r) => { res.writeHead(r.statusCode ?? 502, r.headers); r.pipe(res); });
    req.pipe(up);
  }), { host: '127.0.0.1', port: 0 });
  const web = await startWebapp({ host: '127.0.0.1', port: 0, log: quiet,
    env: { CATALOG_SERVICE_HOST: '127.0.0.1', CATALOG_SERVICE_PORT: String(front.port) } });
  try {
    const r = await get(`http://127.0.0.1:${web.port}/api/catalog`, { 'x-dark-launch': 'v2' });
    assert.equal(r.status, 200);
    assert.equal(header, 'v2');
    assert.match(lines[0] ?? '', /^GET 127\.0\.0\.1:\d+ \/items 200 /);
  } finally {
    await Promise.all([web.close(), front.close(), catalog.close()]);
  }
});

test('failures: 500 "error calling Catalog service" / "error calling Forum service"', async () => {
  const dead = await listen(http.createServer(), { host: '127.0.0.1', port: 0 });
  const port = String(dead.port);
  await dead.close();
  const web = await startWebapp({ host: '127.0.0.1', port: 0, log: quiet, env: {
    CATALOG_SERVICE_HOST: '127.0.0.1', CATALOG_SERVICE_PORT: port, FORUM_SERVICE_HOST: '127.0.0.1', FORUM_SERVICE_PORT: port } });
  try {
    const c = await get(`http://127.0.0.1:${web.port}/api/catalog`);
    assert.equal(c.status, 500);
    assert.equal(c.body.toString(), 'error calling Catalog service');
    const u = await get(`http://127.0.0.1:${web.port}/api/users`);
    assert.equal(u.status, 500);
    assert.equal(u.body.toString(), 'error calling Forum service');
    const page = await get(`http://127.0.0.1:${web.port}/`);
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /The catalog service is currently not available\./);
    assert.match(page.body.toString(), /The forum service is currently not available\./);
  } finally {
    await web.close();
  }
});

test('a catalog blowup 500 makes /api/catalog answer the catalog error body', () => withMesh(async ({ web, catalog }) => {
  await httpCall({ method: 'POST', url: `http://127.0.0.1:${catalog.port}/blowup`, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ active: true, type: '500', percentage: 100 }) }, {});
  const r = await get(`${web}/api/catalog`);
  assert.equal(r.status, 500);
  assert.equal(r.body.toString(), 'error calling Catalog service');
}));

test('GET / is an HTML page with up to four items and four users', () => withMesh(async ({ web }) => {
  const r = await get(`${web}/`);
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /text\/html/);
  const html = r.body.toString();
  for (const n of ['Elinor Glasses', 'Red Dragon Watch', 'Leanne Graham', 'Patricia Lebsack']) assert.ok(html.includes(n), n);
  assert.ok(!html.includes('Chelsey Dietrich'), 'a fifth user');
  assert.ok(!html.includes('currently not available'));
}));

test('HTTP_PROXY: upstream calls go to the proxy in absolute form; NO_PROXY hosts go direct', async () => {
  const catalog = await startCatalog({ host: '127.0.0.1', port: 0, log: quiet });
  const forum = await startForum({ host: '127.0.0.1', port: 0, env: { LOCAL_USERS: 'true' }, log: quiet });
  const proxy = await startTestProxy({ 'catalog.istioinaction:80': catalog.port });
  const web = await startWebapp({ host: '127.0.0.1', port: 0, log: quiet, env: {
    CATALOG_SERVICE_HOST: 'catalog.istioinaction', CATALOG_SERVICE_PORT: '80',
    FORUM_SERVICE_HOST: '127.0.0.1', FORUM_SERVICE_PORT: String(forum.port),
    HTTP_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: '127.0.0.1' } });
  try {
    const r = await get(`http://127.0.0.1:${web.port}/api/catalog`, { 'x-dark-launch': 'v2' });
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body.toString()) as unknown[]).length, 4);
    assert.equal(proxy.seen.length, 1);
    assert.equal(proxy.seen[0]!.url, 'http://catalog.istioinaction:80/items');
    assert.equal(proxy.seen[0]!.host, 'catalog.istioinaction:80');
    assert.equal(proxy.seen[0]!.headers['x-dark-launch'], 'v2');
    const u = await get(`http://127.0.0.1:${web.port}/api/users`);
    assert.equal(u.status, 200);
    assert.equal(proxy.seen.length, 1, 'forum is in NO_PROXY');
  } finally {
    await Promise.all([web.close(), proxy.close(), forum.close(), catalog.close()]);
  }
});
