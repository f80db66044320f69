// /stats text and JSON, and /stats/prometheus, rendered from a real store and from merged
// snapshots, compared with the exact bytes Envoy prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusNamer, renderPrometheus } from './render-prometheus.js';
import { renderStatsJson } from './render-json.js';
import { renderStatsText } from './render-text.js';
import { mergeSnapshots, snapshot } from './snapshot.js';
import { parseStatsParams, type StatsParams } from './stats-params.js';
import { StatsStore } from './store.js';
import { Re2 } from '../util/re2.js';

function params(q: Record<string, string> = {}): StatsParams {
  const r = parseStatsParams(new Map(Object.entries(q)));
  assert.ok(r.ok);
  return r.params;
}

function sampleStore(): StatsStore {
  const s = new StatsStore();
  s.textReadouts.set('server.version', '1.0/Strait');
  s.counter('cluster.httpbin_service.upstream_rq_200').inc(7);
  s.counter('cluster.httpbin_service.upstream_rq_2xx').inc(7);
  s.counter('cluster.httpbin_service.upstream_rq_total').inc(9);
  s.counter('cluster.httpbin_service.upstream_rq_retry');
  s.gauge('cluster.httpbin_service.upstream_cx_active').set(2);
  s.gauge('cluster_manager.active_clusters').set(1);
  s.counter('http.ingress_http.downstream_rq_2xx').inc(7);
  const h = s.histogram('cluster.httpbin_service.upstream_rq_time');
  h.record(10);
  h.flushInterval();
  s.histogram('http.ingress_http.downstream_rq_time');
  return s;
}

test('text: readouts, then counters and gauges merged by name, then histograms', () => {
  const text = renderStatsText(snapshot(sampleStore()), params());
  assert.equal(text, [
    'server.version: "1.0/Strait"',
    'cluster.httpbin_service.upstream_cx_active: 2',
    'cluster.httpbin_service.upstream_rq_200: 7',
    'cluster.httpbin_service.upstream_rq_2xx: 7',
    'cluster.httpbin_service.upstream_rq_retry: 0',
    'cluster.httpbin_service.upstream_rq_total: 9',
    'cluster_manager.active_clusters: 1',
    'http.ingress_http.downstream_rq_2xx: 7',
    'cluster.httpbin_service.upstream_rq_time: P0(10,10) P25(10.25,10.25) P50(10.5,10.5) P75(10.75,10.75) ' +
      'P90(10.9,10.9) P95(10.95,10.95) P99(10.99,10.99) P99.5(10.995,10.995) P99.9(10.999,10.999) P100(11,11)',
    'http.ingress_http.downstream_rq_time: No recorded values',
    '',
  ].join('\n'));
});

test('text: usedonly, filter, type and bucket modes', () => {
  const snap = snapshot(sampleStore());
  const used = renderStatsText(snap, params({ usedonly: '', filter: 'httpbin' }));
  assert.ok(!used.includes('upstream_rq_retry'));
  assert.ok(!used.includes('cluster_manager'));
  assert.ok(used.includes('upstream_rq_time: P0'));
  assert.equal(renderStatsText(snap, params({ type: 'Gauges' })),
    'cluster.httpbin_service.upstream_cx_active: 2\ncluster_manager.active_clusters: 1\n');
  const buckets = renderStatsText(snap, params({ filter: 'upstream_rq_time', histogram_buckets: 'cumulative' }));
  assert.ok(buckets.startsWith('cluster.httpbin_service.upstream_rq_time: B0.5(0,0) B1(0,0) B5(0,0) B10(0,0) B25(1,1) '));
  assert.ok(buckets.endsWith('B1.8e+06(1,1) B3.6e+06(1,1)\n'));
  const disjoint = renderStatsText(snap, params({ filter: 'upstream_rq_time', histogram_buckets: 'disjoint' }));
  assert.ok(disjoint.includes('B10(0,0) B25(1,1) B50(0,0)'));
});

test('bad parameters answer with Envoy bodies', () => {
  assert.deepEqual(parseStatsParams(new Map([['filter', '(']])), { ok: false, body: 'Invalid re2 regex' });
  // RE2 refuses lookaround and backreferences, which JS RegExp would take.
  assert.deepEqual(parseStatsParams(new Map([['filter', 'upstream(?=_rq)']])), { ok: false, body: 'Invalid re2 regex' });
  assert.deepEqual(parseStatsParams(new Map([['filter', '(a)\\1']])), { ok: false, body: 'Invalid re2 regex' });
  assert.deepEqual(parseStatsParams(new Map([['type', 'Foo']])), { ok: false, body: 'invalid &type= param' });
  assert.deepEqual(parseStatsParams(new Map([['format', 'xml']])),
    { ok: false, body: 'usage: /stats?format=(html|active-html|json|prometheus|text)\n\n' });
});

test('json: Envoy shape with supported and computed quantiles, NaN as null', () => {
  const body = renderStatsJson(snapshot(sampleStore()), params());
  const doc = JSON.parse(body) as { stats: Record<string, unknown>[] };
  assert.deepEqual(doc.stats[0], { name: 'server.version', value: '1.0/Strait' });
  assert.deepEqual(doc.stats[1], { name: 'cluster.httpbin_service.upstream_cx_active', value: 2 });
  const hist = doc.stats.at(-1) as { histograms: { supported_quantiles: number[]; computed_quantiles: { name: string; values: unknown[] }[] } };
  assert.deepEqual(hist.histograms.supported_quantiles, [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100]);
  assert.equal(hist.histograms.computed_quantiles[0].name, 'cluster.httpbin_service.upstream_rq_time');
  assert.deepEqual(hist.histograms.computed_quantiles[0].values[2], { cumulative: 10.5, interval: 10.5 });
  assert.deepEqual(hist.histograms.computed_quantiles[1].values[0], { cumulative: null, interval: null });
  assert.ok(body.includes('{"cumulative":10.5,"interval":10.5}'));
});

test('prometheus: families, labels in extraction order, no _total suffix, histogram buckets', () => {
  const s = sampleStore();
  const out = renderPrometheus(snapshot(s), new PrometheusNamer(), {});
  const expected = [
    '# TYPE envoy_cluster_upstream_rq counter',
    'envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="httpbin_service"} 7',
    '# TYPE envoy_cluster_upstream_rq_retry counter',
    'envoy_cluster_upstream_rq_retry{envoy_cluster_name="httpbin_service"} 0',
    '# TYPE envoy_cluster_upstream_rq_total counter',
    'envoy_cluster_upstream_rq_total{envoy_cluster_name="httpbin_service"} 9',
    '# TYPE envoy_cluster_upstream_rq_xx counter',
    'envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="httpbin_service"} 7',
    '# TYPE envoy_http_downstream_rq_xx counter',
    'envoy_http_downstream_rq_xx{envoy_response_code_class="2",envoy_http_conn_manager_prefix="ingress_http"} 7',
    '# TYPE envoy_cluster_upstream_cx_active gauge',
    'envoy_cluster_upstream_cx_active{envoy_cluster_name="httpbin_service"} 2',
    '# TYPE envoy_cluster_manager_active_clusters gauge',
    'envoy_cluster_manager_active_clusters{} 1',
    '# TYPE envoy_cluster_upstream_rq_time histogram',
  ];
  assert.ok(out.startsWith(expected.join('\n') + '\n'), out);
  const lines = out.split('\n');
  const rqTime = lines.filter((l) => l.startsWith('envoy_cluster_upstream_rq_time'));
  assert.equal(rqTime.length, 19 + 3);
  assert.equal(rqTime[0], 'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="httpbin_service",le="0.5"} 0');
  assert.equal(rqTime[3], 'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="httpbin_service",le="10"} 0');
  assert.equal(rqTime[4], 'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="httpbin_service",le="25"} 1');
  assert.equal(rqTime[18], 'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="httpbin_service",le="3600000"} 1');
  assert.deepEqual(rqTime.slice(19), [
    'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="httpbin_service",le="+Inf"} 1',
    'envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="httpbin_service"} 10.5',
    'envoy_cluster_upstream_rq_time_count{envoy_cluster_name="httpbin_service"} 1',
  ]);
  assert.ok(out.includes('envoy_http_downstream_rq_time_count{envoy_http_conn_manager_prefix="ingress_http"} 0\n'));
  assert.ok(!out.includes('_total{') || out.includes('envoy_cluster_upstream_rq_total{'));
  const readouts = renderPrometheus(snapshot(s), new PrometheusNamer(), { textReadouts: true, usedOnly: true });
  assert.ok(readouts.includes('# TYPE envoy_server_version gauge\nenvoy_server_version{text_value="1.0/Strait"} 0\n'));
  assert.ok(!readouts.includes('upstream_rq_retry'));
  const summary = renderPrometheus(snapshot(s), new PrometheusNamer(), { histogramType: 'summary', filter: Re2.compile('rq_time') });
  assert.ok(summary.includes('# TYPE envoy_cluster_upstream_rq_time summary\n' +
    'envoy_cluster_upstream_rq_time{envoy_cluster_name="httpbin_service",quantile="0"} 10\n'));
  assert.ok(summary.includes('quantile="0.995"} 10.99499999999999921840299066389'));
});

test('merged snapshots sum counters, accumulating gauges and histogram bins', () => {
  const a = sampleStore();
  const b = sampleStore();
  b.counter('cluster.httpbin_service.upstream_rq_200').inc(3);
  b.gauge('server.uptime', 'never').set(99);
  a.gauge('server.uptime', 'never').set(5);
  b.histogram('cluster.httpbin_service.upstream_rq_time').record(10);
  // Snapshots cross process boundaries as JSON.
  const merged = mergeSnapshots([snapshot(a), JSON.parse(JSON.stringify(snapshot(b)))]);
  const text = renderStatsText(merged, params());
  assert.ok(text.includes('cluster.httpbin_service.upstream_rq_200: 17\n'));
  assert.ok(text.includes('cluster.httpbin_service.upstream_cx_active: 4\n'));
  assert.ok(text.includes('server.uptime: 5\n'));
  const prom = renderPrometheus(merged, new PrometheusNamer(), {});
  assert.ok(prom.includes('envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="httpbin_service"} 17\n'));
  assert.ok(prom.includes('envoy_cluster_upstream_rq_time_count{envoy_cluster_name="httpbin_service"} 3\n'));
  assert.ok(prom.includes('envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="httpbin_service"} 31.5\n'));
});
