// The Zipkin tracer's spans: roots, children of an incoming context, shared_span_context, the
// incoming x-b3-sampled deciding over the local decision, and the v2 JSON of a finished span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { ZipkinConfigSchema } from '../../../xds/gen/envoy/config/trace/v3/zipkin_pb.js';
import { HeaderMap } from '../../http/headers.js';
import { StatsStore } from '../../stats/store.js';
import { createClusterManager } from '../../upstream/cluster-manager.js';
import { ZipkinDriver } from './zipkin-driver.js';
import { encodeZipkinV2 } from './zipkin-json.js';

async function driver(opts: { traceId128bit?: boolean; sharedSpanContext?: boolean }): Promise<ZipkinDriver> {
  const stats = new StatsStore();
  const clusterManager = await createClusterManager([], stats);
  return new ZipkinDriver(create(ZipkinConfigSchema, { collectorCluster: 'zipkin', collectorEndpoint: '/api/v2/spans', ...opts }),
    { clusterManager, stats, localNode: undefined });
}

function incoming(o: Record<string, string>): HeaderMap {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(o)) h.set(k, v);
  return h;
}

test('a root span: 64-bit trace id equal to its id, or 128-bit; kind from the direction; sampled as decided', async () => {
  const d64 = await driver({});
  const root = d64.startSpan(new HeaderMap(), false, 'webapp', false, performance.now())!;
  assert.equal(root.kind, 'CLIENT');
  assert.equal(root.traceId, root.spanId);
  assert.equal(root.parentId, '');
  assert.equal(root.sampled, false);
  assert.equal(root.name, 'webapp');
  d64.close();
  const d128 = await driver({ traceId128bit: true });
  const server = d128.startSpan(new HeaderMap(), true, 'catalog', true, performance.now())!;
  assert.equal(server.kind, 'SERVER');
  assert.match(server.traceId, /^[0-9a-f]{32}$/);
  assert.equal(server.sampled, true);
  d128.close();
});

test('an incoming context: a child span (shared_span_context false, or egress), or the shared server span', async () => {
  const h = incoming({ 'x-b3-traceid': '463ac35c9f6413ad48485a3953bb6124', 'x-b3-spanid': 'a2fb4a1d1a96d312',
    'x-b3-parentspanid': '0020000000000001', 'x-b3-sampled': '1' });
  const own = await driver({ sharedSpanContext: false });
  const child = own.startSpan(h, true, 'catalog', false, performance.now())!;
  assert.equal(child.traceId, '463ac35c9f6413ad48485a3953bb6124');
  assert.equal(child.parentId, 'a2fb4a1d1a96d312');
  assert.notEqual(child.spanId, 'a2fb4a1d1a96d312');
  assert.equal(child.sampled, true, 'x-b3-sampled: 1 wins over the local decision');
  assert.equal(child.shared, false);
  own.close();
  const shared = await driver({});
  const s = shared.startSpan(h, true, 'catalog', false, performance.now())!;
  assert.deepEqual([s.spanId, s.parentId, s.shared], ['a2fb4a1d1a96d312', '0020000000000001', true]);
  const egress = shared.startSpan(h, false, 'catalog', false, performance.now())!;
  assert.equal(egress.parentId, 'a2fb4a1d1a96d312');
  assert.equal(egress.shared, false);
  assert.equal(shared.startSpan(incoming({ 'x-b3-traceid': 'nothex', 'x-b3-spanid': 'a2fb4a1d1a96d312' }), true, 'c', true,
    performance.now()), null, 'a malformed context traces nothing');
  shared.close();
});

test('v2 JSON: ids, kind, µs timing, local endpoint, string tags, shared', async () => {
  const d = await driver({});
  const span = d.startSpan(incoming({ 'x-b3-traceid': '463ac35c9f6413ad', 'x-b3-spanid': 'a2fb4a1d1a96d312' }), true, 'catalog',
    true, performance.now())!;
  span.setTag('http.status_code', '200');
  span.durationUs = 1500;
  const [json] = JSON.parse(encodeZipkinV2([span], { serviceName: 'catalog.istioinaction', ipv4: '10.0.0.7' })) as
    Record<string, unknown>[];
  assert.deepEqual(json, {
    traceId: '463ac35c9f6413ad', id: 'a2fb4a1d1a96d312', kind: 'SERVER', name: 'catalog', timestamp: span.startUs,
    duration: 1500, localEndpoint: { serviceName: 'catalog.istioinaction', ipv4: '10.0.0.7' },
    tags: { 'http.status_code': '200' }, shared: true,
  });
  assert.ok(Math.abs(span.startUs / 1000 - Date.now()) < 5000, 'timestamp is µs since the epoch');
  d.close();
});
