// The dashboard's store and queries: ring buffers stay bounded, counters' resets, Prometheus' histogram_quantile,
// the exposition parser, and the graph (rates, error rate, p99, mTLS, health) from Istio-labelled samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deriveGraph, healthOf } from './graph.js';
import { parsePrometheusText } from './prom-text.js';
import { histogramQuantile, seriesRate } from './queries.js';
import { Scraper } from './scraper.js';
import { signals } from './signals.js';
import { counterIncrease, Tsdb } from './tsdb.js';

test('a series keeps its last `capacity` points and the store refuses series past its cap', () => {
  const db = new Tsdb({ capacity: 3, maxSeries: 2 });
  for (let i = 0; i < 10; i++) db.add('m', { a: '1' }, i * 1000, i);
  assert.deepEqual(db.select('m')[0]!.points(), [[7000, 7], [8000, 8], [9000, 9]]);
  assert.deepEqual(db.select('m')[0]!.points(7500, 8500), [[8000, 8]]);
  db.add('m', { a: '2' }, 0, 1);
  db.add('m', { a: '3' }, 0, 1);
  assert.equal(db.size, 2);
  assert.equal(db.dropped, 1);
  db.evictOlderThan(5000);
  assert.equal(db.size, 1, 'the series last seen at 0 is forgotten');
});

test('a counter\'s increase counts a drop as a restart, and a rate is over the time its samples cover', () => {
  assert.equal(counterIncrease([[0, 10], [1000, 15], [2000, 3], [3000, 5]]), 5 + 3 + 2);
  const db = new Tsdb({ capacity: 10, maxSeries: 10 });
  db.add('c', {}, 0, 0);
  db.add('c', {}, 5000, 10);
  db.add('c', {}, 10_000, 30);
  assert.equal(seriesRate(db.select('c')[0]!, 0, 10_000), 3);
  assert.equal(seriesRate(db.select('c')[0]!, 5000, 10_000), 4);
  assert.equal(seriesRate(db.select('c')[0]!, 9000, 10_000), 0, 'one sample: no rate');
});

test('histogram_quantile interpolates inside the bucket as Prometheus does', () => {
  const b = [{ le: 1, count: 10 }, { le: 5, count: 60 }, { le: 10, count: 100 }, { le: Infinity, count: 100 }];
  assert.equal(histogramQuantile(0.5, b), 1 + 4 * (40 / 50)); // rank 50 in (1,5]
  assert.equal(histogramQuantile(0.05, b), 0.5); // first bucket: from 0
  assert.equal(histogramQuantile(0.99, b), 5 + 5 * (39 / 40));
  assert.equal(histogramQuantile(0.99, [{ le: 1, count: 1 }, { le: Infinity, count: 100 }]), 1, 'in +Inf: the highest finite bound');
  assert.ok(Number.isNaN(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])));
});

test('the exposition parser reads names, escaped label values and values, and skips the rest', () => {
  const text = [
    '# TYPE istio_requests_total counter',
    'istio_requests_total{reporter="source",path="a\\"b\\\\c\\nd"} 12',
    'istio_request_duration_milliseconds_bucket{le="+Inf"} 3 1700000000000',
    'envoy_server_uptime 5',
    'broken{a="x} 1',
    'novalue{a="x"}',
  ].join('\n');
  assert.deepEqual(parsePrometheusText(text, (n) => n.startsWith('istio_')), [
    { name: 'istio_requests_total', labels: { reporter: 'source', path: 'a"b\\c\nd' }, value: 12 },
    { name: 'istio_request_duration_milliseconds_bucket', labels: { le: '+Inf' }, value: 3 },
  ]);
});

const hop = (src: string, dst: string, code: string, ns = 'istioinaction'): Record<string, string> => ({
  reporter: 'source', source_workload: src, source_workload_namespace: src === 'istio-ingressgateway' ? 'istio-system' : ns,
  destination_service_name: dst, destination_service_namespace: ns, destination_workload: dst, destination_workload_namespace: ns,
  response_code: code, request_protocol: 'http', connection_security_policy: 'unknown',
});

test('the graph: gateway -> webapp -> catalog with rates, error rate, p99 and health', () => {
  const db = new Tsdb({ capacity: 100, maxSeries: 100 });
  // 10 s apart: gateway -> webapp 20 rps all 200; webapp -> catalog 20 rps, 5 of them 500.
  for (const [t, k] of [[0, 0], [10_000, 1]] as const) {
    db.add('istio_requests_total', hop('istio-ingressgateway', 'webapp', '200'), t, 200 * k);
    db.add('istio_requests_total', hop('webapp', 'catalog', '200'), t, 150 * k);
    db.add('istio_requests_total', hop('webapp', 'catalog', '500'), t, 50 * k);
    // The server's side: not counted in the rates, but it knows the connection was mutual TLS (the client says "unknown").
    db.add('istio_requests_total', { ...hop('webapp', 'catalog', '200'), reporter: 'destination', connection_security_policy: 'mutual_tls' }, t, 1000 * k);
    for (const [le, n] of [['10', 100], ['50', 190], ['100', 200], ['+Inf', 200]] as const) {
      db.add('istio_request_duration_milliseconds_bucket', { ...hop('webapp', 'catalog', '200'), le }, t, n * k);
    }
  }
  const g = deriveGraph(db, 0, 10_000);
  const edge = (id: string) => g.edges.find((e) => e.id === id);
  const toCatalog = edge('workload:istioinaction/webapp>service:istioinaction/catalog')!;
  assert.equal(toCatalog.rps, 20);
  assert.equal(toCatalog.errorRate, 0.25);
  assert.equal(toCatalog.health, 'failure');
  assert.equal(toCatalog.mtls, true);
  assert.ok(Math.abs(toCatalog.p99 - 90) < 1e-9, String(toCatalog.p99)); // rank 198 in (50,100]: 50 + 50 * 8/10
  assert.equal(edge('service:istioinaction/catalog>workload:istioinaction/catalog')!.rps, 20);
  const fromGateway = edge('workload:istio-system/istio-ingressgateway>service:istioinaction/webapp')!;
  assert.deepEqual([fromGateway.rps, fromGateway.errorRate, fromGateway.health, fromGateway.mtls], [20, 0, 'healthy', null],
    'no server-side report: the connection\'s security is unknown, not plaintext');
  assert.ok(Number.isNaN(fromGateway.p99), 'no buckets: no p99');
  // As Kiali: a service by its inbound requests, a workload by its inbound and outbound ones (the gateway by what it
  // sends, webapp failing too as a quarter of its calls to catalog fail).
  assert.deepEqual(g.nodes.map((n) => `${n.kind}:${n.name}:${n.health}`).sort(),
    ['service:catalog:failure', 'service:webapp:healthy', 'workload:catalog:failure', 'workload:istio-ingressgateway:healthy', 'workload:webapp:failure']);
  assert.deepEqual([healthOf(0, 0, 0), healthOf(1, 0.001, 0), healthOf(1, 0, 0.1), healthOf(1, 0, 0.21)], ['idle', 'degraded', 'degraded', 'failure']);
});

test('an edge\'s security: mutual TLS, plaintext, or unknown until the server side reports', () => {
  const db = new Tsdb({ capacity: 100, maxSeries: 100 });
  for (const [t, k] of [[0, 0], [10_000, 1]] as const) {
    db.add('istio_requests_total', hop('sleep', 'webapp', '200'), t, 100 * k);
    db.add('istio_requests_total', { ...hop('sleep', 'webapp', '200'), reporter: 'destination', connection_security_policy: 'none' }, t, 100 * k);
  }
  const edge = deriveGraph(db, 0, 10_000).edges.find((e) => e.id === 'workload:istioinaction/sleep>service:istioinaction/webapp')!;
  assert.equal(edge.mtls, false, 'the server saw plaintext');
});

test('the golden signals of a service: request rate, success rate and latency per step', () => {
  const db = new Tsdb({ capacity: 100, maxSeries: 100 });
  const l = { ...hop('webapp', 'catalog', '200'), reporter: 'destination' };
  const bad = { ...l, response_code: '503' };
  for (let i = 0; i <= 60; i++) {
    db.add('istio_requests_total', l, i * 5000, i * 45);
    db.add('istio_requests_total', bad, i * 5000, i * 5);
    db.add('istio_request_duration_milliseconds_bucket', { ...l, le: '10' }, i * 5000, i * 50);
    db.add('istio_request_duration_milliseconds_bucket', { ...l, le: '+Inf' }, i * 5000, i * 50);
  }
  const s = signals(db, { kind: 'service', name: 'catalog', namespace: 'istioinaction', direction: 'inbound', minutes: 5 }, 300_000);
  assert.equal(s.times.length, 60);
  assert.equal(s.times.at(-1), 300);
  assert.ok(Math.abs(s.rps.at(-1)! - 10) < 1e-9, String(s.rps.at(-1)));
  assert.ok(Math.abs(s.successRate.at(-1)! - 0.9) < 1e-9);
  assert.equal(s.p50.at(-1), 5);
  const none = signals(db, { kind: 'workload', name: 'catalog', namespace: 'istioinaction', direction: 'outbound', minutes: 5 }, 300_000);
  assert.deepEqual([none.rps.at(-1), none.successRate.at(-1)], [0, null]);
});

test('the scraper reads a real /stats/prometheus and starts a series that appears later from 0', async (t) => {
  let body = 'istio_requests_total{reporter="source",response_code="200"} 10\nenvoy_cluster_upstream_rq 4\n';
  const server = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stats/prometheus`;
  const db = new Tsdb({ capacity: 10, maxSeries: 10 });
  const scraper = new Scraper(db, () => [{ url }, { url: 'http://127.0.0.1:1/' }], { timeoutMs: 1000 });
  await scraper.scrapeAll(1000);
  body += 'istio_requests_total{reporter="source",response_code="500"} 3\n';
  await scraper.scrapeAll(6000);
  assert.deepEqual(db.select('istio_requests_total').map((s) => [s.labels['response_code'], s.points()]),
    [['200', [[1000, 10], [6000, 10]]], ['500', [[1000, 0], [6000, 3]]]]);
  assert.equal(db.select('istio_requests_total')[0]!.labels['instance'], new URL(url).host, 'labelled with the proxy as Prometheus labels it');
  assert.equal(db.select('envoy_cluster_upstream_rq').length, 0, 'only Istio\'s standard metrics are kept');
});
