// Integration: RING_HASH and MAGLEV clusters behind a real proxy process; route hash_policy on a
// header, a generated cookie and the source IP; curl as the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { curl } from './lib/curl.js';
import { startEchoUpstream, type EchoUpstream } from './lib/echo-upstream.js';
import { startProxy } from './lib/proxy-process.js';

async function upstreams(n: number): Promise<EchoUpstream[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => startEchoUpstream(`u${i}`)));
}

for (const policy of ['RING_HASH', 'MAGLEV']) {
  test(`${policy}: x-user sticks to one upstream; users spread; stats`, async () => {
    const ups = await upstreams(3);
    const proxy = await startProxy(bootstrapYaml({
      routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'c', hash_policy: [{ header: { header_name: 'x-user' } }] } }]),
      clusters: [{ name: 'c', ports: ups.map((u) => u.port), extra: { lb_policy: policy } }],
    }));
    try {
      const port = await proxy.listenerPort('test');
      const seen = new Set<string>();
      // The ring is made from the hosts' addresses, whose ports differ every run: with 40 users the chance
      // that one host gets none is about 3 x (2/3)^40 (12 users left it at about 2%).
      for (let u = 0; u < 40; u++) {
        const first = (await curl(`http://127.0.0.1:${port}/`, ['-H', `x-user: user-${u}`])).headers['x-upstream'];
        for (let i = 0; u < 6 && i < 3; i++) {
          assert.equal((await curl(`http://127.0.0.1:${port}/`, ['-H', `x-user: user-${u}`])).headers['x-upstream'], first);
        }
        seen.add(first);
      }
      assert.equal(seen.size, 3);
      const stats = await (await proxy.admin('/stats')).text();
      if (policy === 'RING_HASH') assert.match(stats, /cluster\.c\.ring_hash_lb\.size: 1026/);
      else assert.match(stats, /cluster\.c\.maglev_lb\.min_entries_per_host: 21845/);
    } finally {
      await proxy.stop();
      await Promise.all(ups.map((u) => u.close()));
    }
  });
}

test('cookie hash policy with ttl: Set-Cookie on the response, and the cookie keeps the client on its host', async () => {
  const ups = await upstreams(3);
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'c',
      hash_policy: [{ cookie: { name: 'sticky', ttl: '60s', path: '/' } }] } }]),
    clusters: [{ name: 'c', ports: ups.map((u) => u.port), extra: { lb_policy: 'RING_HASH' } }],
  }));
  try {
    const port = await proxy.listenerPort('test');
    const r = await curl(`http://127.0.0.1:${port}/`);
    const m = /^sticky="([0-9a-f]{16})"; Max-Age=60; Path=\/; HttpOnly$/.exec(r.headers['set-cookie'] ?? '');
    assert.ok(m, r.raw);
    for (let i = 0; i < 5; i++) {
      const again = await curl(`http://127.0.0.1:${port}/`, ['-H', `cookie: sticky=${m[1]}`]);
      assert.equal(again.headers['x-upstream'], r.headers['x-upstream']);
      assert.equal(again.headers['set-cookie'], undefined);
    }
  } finally {
    await proxy.stop();
    await Promise.all(ups.map((u) => u.close()));
  }
});

test('source_ip hash: every request from 127.0.0.1 lands on one host', async () => {
  const ups = await upstreams(3);
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'c',
      hash_policy: [{ connection_properties: { source_ip: true } }] } }]),
    clusters: [{ name: 'c', ports: ups.map((u) => u.port), extra: { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 7 } } }],
  }));
  try {
    const port = await proxy.listenerPort('test');
    const hosts = new Set<string>();
    for (let i = 0; i < 8; i++) hosts.add((await curl(`http://127.0.0.1:${port}/`)).headers['x-upstream']);
    assert.equal(hosts.size, 1);
  } finally {
    await proxy.stop();
    await Promise.all(ups.map((u) => u.close()));
  }
});

test('bad maglev table size is a config error with the field path', async () => {
  await assert.rejects(startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'c' } }]),
    clusters: [{ name: 'c', ports: [1], extra: { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 8 } } }],
  })), /maglev_lb_config\.table_size: The table size of maglev must be prime number/);
});

test('a bad hash_policy regex_rewrite group is a config error with the field path', async () => {
  await assert.rejects(startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'c', hash_policy: [{ header: { header_name: ':path',
      regex_rewrite: { pattern: { regex: '^/(\\w+)$' }, substitution: '\\2' } } }] } }]),
    clusters: [{ name: 'c', ports: [1], extra: { lb_policy: 'RING_HASH' } }],
  })), /hash_policy\[0\]\.header\.regex_rewrite\.substitution/);
});
