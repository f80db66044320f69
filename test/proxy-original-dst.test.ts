// ORIGINAL_DST through a real proxy with curl: x-envoy-original-dst-host picks the upstream named in
// the header, hosts appear in /clusters, and unused ones are cleaned up after cleanup_interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { curl } from './lib/curl.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { startProxy } from './lib/proxy-process.js';

test('x-envoy-original-dst-host reaches the named upstream; a bad value is original_dst_host_invalid', async () => {
  const a = await startEchoUpstream('a');
  const b = await startEchoUpstream('b');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'od' } }]),
    // No load_assignment: ORIGINAL_DST clusters must have none.
    clusters: [{ name: 'od', ports: [], extra: { type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED',
      // Long enough that a loaded machine's curls between two requests to one host do not outlast it.
      load_assignment: undefined, cleanup_interval: '2s', original_dst_lb_config: { use_http_header: true },
      common_http_protocol_options: { idle_timeout: '0.1s' } } }],
  }));
  try {
    const url = `http://127.0.0.1:${await proxy.listenerPort('test')}/`;
    const toB = await curl(url, ['-H', `x-envoy-original-dst-host: 127.0.0.1:${b.port}`]);
    assert.equal(toB.status, 200);
    assert.equal(toB.headers['x-upstream'], 'b');
    const toA = await curl(url, ['-H', `x-envoy-original-dst-host: 127.0.0.1:${a.port}`]);
    assert.equal(toA.headers['x-upstream'], 'a');
    assert.equal((await curl(url, ['-H', `x-envoy-original-dst-host: 127.0.0.1:${b.port}`])).headers['x-upstream'], 'b');
    assert.equal(a.requests.length, 1);
    assert.equal(b.requests.length, 2);
    const clusters = await (await proxy.admin('/clusters')).text();
    assert.ok(clusters.includes(`od::127.0.0.1:${a.port}::rq_total::1`), clusters);
    assert.ok(clusters.includes(`od::127.0.0.1:${b.port}::rq_total::2`), clusters);
    // Not an address, and no restored original destination to fall back on: no host, as Envoy.
    const bad = await curl(url, ['-H', 'x-envoy-original-dst-host: not-an-address']);
    assert.equal(bad.status, 503);
    assert.equal(bad.body, 'no healthy upstream');
    assert.equal((await curl(url)).status, 503, 'no header: the listener\'s own address is not a destination');
    const stats = await (await proxy.admin('/stats?filter=cluster.od.')).text();
    assert.match(stats, /^cluster\.od\.original_dst_host_invalid: 1$/m);
    // Idle connections close after 0.1 s; two cleanup passes later both hosts are gone.
    const deadline = Date.now() + 10_000;
    let total = '';
    while (Date.now() < deadline) {
      total = /^cluster\.od\.membership_total: (\d+)$/m.exec(await (await proxy.admin('/stats?filter=membership_total')).text())?.[1] ?? '';
      if (total === '0') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(total, '0');
  } finally {
    await proxy.stop();
    await a.close();
    await b.close();
  }
});
