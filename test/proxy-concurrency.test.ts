// --concurrency N: N worker processes share the listener, and the admin API (in the primary)
// shows the sum of their stats and host counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startProxy } from './lib/proxy-process.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';

/** One request on its own connection (so connections spread over the workers). */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.statusCode ?? 0));
    }).on('error', reject);
  });
}

test('two workers serve traffic; /stats, /clusters and /listeners show the whole proxy', async () => {
  const up = await startEchoUpstream('up');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'up' } }]),
    clusters: [{ name: 'up', ports: [up.port] }],
  }), ['--concurrency', '2']);
  try {
    const port = await proxy.listenerPort('test');
    assert.ok(port > 0);
    for (let i = 0; i < 20; i++) assert.equal(await get(port, `/r${i}`), 200);
    const stats = await (await proxy.admin('/stats')).text();
    assert.match(stats, /^http\.ingress_http\.downstream_rq_2xx: 20$/m);
    assert.match(stats, /^cluster\.up\.upstream_rq_total: 20$/m);
    const perWorker = [...stats.matchAll(/^listener\.127\.0\.0\.1_\d+\.worker_(\d)\.downstream_cx_total: (\d+)$/gm)]
      .map((m) => Number(m[2]));
    assert.equal(perWorker.length, 2, `per-worker stats:\n${stats}`);
    assert.ok(perWorker.every((n) => n > 0), `both workers served connections: ${perWorker}`);
    assert.equal(perWorker[0] + perWorker[1], 20);
    const clusters = await (await proxy.admin('/clusters')).text();
    assert.ok(clusters.includes(`up::127.0.0.1:${up.port}::rq_total::20`), clusters);
  } finally {
    await proxy.stop();
    await up.close();
  }
});
