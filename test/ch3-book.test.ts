// The book's chapter 3 Envoy configs, run unmodified except addresses (upstream and ports),
// against the httpbin sample, driven with curl as in the book.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpbin } from '../samples/httpbin/main.js';
import { startProxy } from './lib/proxy-process.js';
import { curl } from './lib/curl.js';
import { BOOK_DIR } from '../samples/book-corpus.js';

const CH3 = join(BOOK_DIR, 'ch3');

let httpbin: Awaited<ReturnType<typeof startHttpbin>>;

before(async () => {
  httpbin = await startHttpbin({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await httpbin?.close();
});

/** The book's file with httpbin:8000 pointed at the local sample and ports 15000/15001 set to 0. */
function bookConfig(file: string): string {
  return readFileSync(join(CH3, file), 'utf8')
    .replace(/address: httpbin\b/, 'address: 127.0.0.1')
    .replace(/port_value: 8000\b/, `port_value: ${httpbin.port}`)
    .replace(/address: 0\.0\.0\.0, port_value: 1500[01]/g, 'address: 127.0.0.1, port_value: 0');
}

test('simple.yaml: /headers through the proxy shows the expected timeout and a request id', async () => {
  const proxy = await startProxy(bookConfig('simple.yaml'));
  try {
    const port = await proxy.listenerPort('httpbin-demo');
    const r = await curl(`http://127.0.0.1:${port}/headers`);
    assert.equal(r.status, 200);
    const headers = JSON.parse(r.body).headers as Record<string, string>;
    assert.equal(headers['X-Envoy-Expected-Rq-Timeout-Ms'], '15000');
    assert.match(headers['X-Request-Id'], /^[0-9a-f-]{36}$/);
    assert.equal(r.headers.server, 'envoy');
    assert.match(r.headers['x-envoy-upstream-service-time'], /^\d+$/);

    const clusters = await (await proxy.admin('/clusters')).text();
    for (const line of ['httpbin_service::default_priority::max_connections::1024',
      'httpbin_service::default_priority::max_retries::3', 'httpbin_service::high_priority::max_requests::1024',
      `httpbin_service::127.0.0.1:${httpbin.port}::health_flags::healthy`,
      `httpbin_service::127.0.0.1:${httpbin.port}::rq_total::1`,
      `httpbin_service::127.0.0.1:${httpbin.port}::rq_success::1`]) {
      assert.ok(clusters.split('\n').includes(line), `missing "${line}" in /clusters:\n${clusters}`);
    }
    const prom = await (await proxy.admin('/stats/prometheus')).text();
    assert.match(prom, /^envoy_cluster_upstream_rq\{envoy_response_code="200",envoy_cluster_name="httpbin_service"\} 1$/m);
    assert.match(prom, /^# TYPE envoy_cluster_upstream_rq_time histogram$/m);
    const dump = await (await proxy.admin('/config_dump')).json() as { configs: Record<string, unknown>[] };
    const clustersDump = dump.configs.find((c) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump');
    assert.match(JSON.stringify(clustersDump), /"name":"httpbin_service"/);
    const ready = await proxy.admin('/ready');
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'LIVE\n');
  } finally {
    await proxy.stop();
  }
});

test('simple_change_timeout.yaml: 1 s timeout shown upstream, /delay/2 cut with 504', async () => {
  const proxy = await startProxy(bookConfig('simple_change_timeout.yaml'));
  try {
    const port = await proxy.listenerPort('httpbin-demo');
    const h = await curl(`http://127.0.0.1:${port}/headers`);
    assert.equal(JSON.parse(h.body).headers['X-Envoy-Expected-Rq-Timeout-Ms'], '1000');
    const started = Date.now();
    const r = await curl(`http://127.0.0.1:${port}/delay/2`);
    const took = Date.now() - started;
    assert.equal(r.status, 504);
    assert.equal(r.body, 'upstream request timeout');
    assert.ok(took >= 900 && took < 1900, `cut after ${took} ms`);
    const stats = await (await proxy.admin('/stats?filter=upstream_rq_timeout')).text();
    assert.match(stats, /cluster\.httpbin_service\.upstream_rq_timeout: 1/);
  } finally {
    await proxy.stop();
  }
});

test('simple_retry.yaml: one GET /status/500 is retried 3 times', async () => {
  const proxy = await startProxy(bookConfig('simple_retry.yaml'));
  try {
    const port = await proxy.listenerPort('httpbin-demo');
    const r = await curl(`http://127.0.0.1:${port}/status/500`);
    assert.equal(r.status, 500);
    const stats = (await (await proxy.admin('/stats')).text()).split('\n');
    for (const line of ['cluster.httpbin_service.upstream_rq_retry: 3', 'cluster.httpbin_service.retry.upstream_rq_500: 3',
      'cluster.httpbin_service.upstream_rq_retry_limit_exceeded: 1', 'cluster.httpbin_service.upstream_rq_retry_success: 0',
      'cluster.httpbin_service.upstream_rq_500: 4']) {
      assert.ok(stats.includes(line), `missing "${line}" in /stats`);
    }
  } finally {
    await proxy.stop();
  }
});
