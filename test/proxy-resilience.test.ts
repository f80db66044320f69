// Outlier detection through a real proxy: of three upstreams, the one answering 500s is ejected
// after 5 consecutive 5xx and traffic moves to the other two; /clusters shows the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startProxy } from './lib/proxy-process.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.statusCode ?? 0));
    }).on('error', reject);
  });
}

test('a host answering 500s is ejected (failed_outlier_check) and the others take the traffic', async () => {
  const good1 = await startEchoUpstream('good1');
  const good2 = await startEchoUpstream('good2');
  const bad = http.createServer((_req, res) => { res.writeHead(500); res.end('boom'); });
  await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
  const badPort = (bad.address() as AddressInfo).port;
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'svc' } }]),
    clusters: [{ name: 'svc', ports: [good1.port, good2.port, badPort], extra: {
      outlier_detection: { consecutive_5xx: 5, interval: '1s', base_ejection_time: '30s', max_ejection_percent: 50 },
    } }],
  }));
  try {
    const port = await proxy.listenerPort('test');
    const first: number[] = [];
    for (let i = 0; i < 30; i++) first.push(await get(port));
    assert.equal(first.filter((c) => c === 500).length, 5, `exactly 5 failures before ejection: ${first}`);
    const after: number[] = [];
    for (let i = 0; i < 20; i++) after.push(await get(port));
    assert.ok(after.every((c) => c === 200), `after ejection: ${after}`);
    const clusters = await (await proxy.admin('/clusters')).text();
    assert.ok(clusters.includes(`svc::127.0.0.1:${badPort}::health_flags::/failed_outlier_check`), clusters);
    assert.ok(clusters.includes(`svc::127.0.0.1:${good1.port}::health_flags::healthy`), clusters);
    const stats = await (await proxy.admin('/stats?filter=outlier_detection')).text();
    assert.match(stats, /cluster\.svc\.outlier_detection\.ejections_enforced_consecutive_5xx: 1/);
  } finally {
    await proxy.stop();
    await good1.close();
    await good2.close();
    bad.close();
  }
});
