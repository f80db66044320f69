// The collector through real clients: OpenTelemetry's Zipkin exporter posts a trace across two
// services, read back through Zipkin's API v2; bad bodies get a 400; OTLP JSON reads the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { startCollector, type Collector } from './server.js';
import type { ZipkinSpan } from './span.js';

const getJson = async <T>(c: Collector, path: string): Promise<T> => {
  const r = await fetch(`${c.url}${path}`);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return await r.json() as T;
};

const provider = (c: Collector, service: string): BasicTracerProvider => new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  spanProcessors: [new SimpleSpanProcessor(new ZipkinExporter({ url: `${c.url}/api/v2/spans` }))],
});

test('spans sent by OpenTelemetry\'s Zipkin exporter read back through the API v2', async (t) => {
  const c = await startCollector({ host: '127.0.0.1', port: 0 });
  t.after(() => c.close());
  const frontend = provider(c, 'Frontend');
  const backend = provider(c, 'backend');
  const root = frontend.getTracer('test').startSpan('GET /home', { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET' } });
  const ctx = trace.setSpan(context.active(), root);
  const call = frontend.getTracer('test').startSpan('call backend', { kind: SpanKind.CLIENT, attributes: { 'peer.service': 'backend' } }, ctx);
  const served = backend.getTracer('test').startSpan('get /items', { kind: SpanKind.SERVER, attributes: { 'http.status_code': 503 } }, ctx);
  served.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream down' });
  served.end();
  call.end();
  root.end();
  await Promise.all([frontend.forceFlush(), backend.forceFlush()]);

  assert.deepEqual(await getJson(c, '/api/v2/services'), ['backend', 'frontend']);
  assert.deepEqual(await getJson(c, '/api/v2/spans?serviceName=frontend'), ['call backend', 'get /home']);
  const traces = await getJson<ZipkinSpan[][]>(c, '/api/v2/traces?serviceName=backend');
  assert.equal(traces.length, 1);
  const traceId = root.spanContext().traceId;
  const spans = await getJson<ZipkinSpan[]>(c, `/api/v2/trace/${traceId.toUpperCase()}`);
  assert.deepEqual(spans.map((s) => s.id).sort(), traces[0]!.map((s) => s.id).sort());
  const byName = new Map(spans.map((s) => [s.name, s]));
  const r = byName.get('get /home')!;
  assert.equal(r.traceId, traceId);
  assert.equal(r.parentId, undefined);
  assert.equal(r.kind, 'SERVER');
  assert.equal(r.localEndpoint?.serviceName, 'frontend');
  assert.equal(r.tags?.['http.method'], 'GET');
  const callSpan = byName.get('call backend')!;
  assert.equal(callSpan.parentId, r.id);
  assert.equal(callSpan.kind, 'CLIENT');
  const servedSpan = byName.get('get /items')!;
  assert.equal(servedSpan.parentId, r.id);
  assert.equal(servedSpan.localEndpoint?.serviceName, 'backend');
  assert.equal(servedSpan.tags?.['http.status_code'], '503');
  assert.equal(servedSpan.tags?.['error'], 'upstream down');
  assert.ok(servedSpan.duration! >= 0 && servedSpan.timestamp! >= r.timestamp!);

  // Queries: by span name, annotationQuery on tags, and a 64-bit id does not find a 128-bit trace.
  assert.equal((await getJson<unknown[]>(c, '/api/v2/traces?serviceName=frontend&spanName=call%20backend')).length, 1);
  assert.equal((await getJson<unknown[]>(c, '/api/v2/traces?serviceName=frontend&spanName=get%20/items')).length, 0);
  assert.equal((await getJson<unknown[]>(c, `/api/v2/traces?annotationQuery=${encodeURIComponent('error and http.status_code=503')}`)).length, 1);
  assert.equal((await getJson<unknown[]>(c, `/api/v2/traces?annotationQuery=${encodeURIComponent('http.status_code=200')}`)).length, 0);
  assert.equal((await fetch(`${c.url}/api/v2/trace/${traceId.slice(16)}`)).status, 404);
  assert.equal((await fetch(`${c.url}/api/v2/trace/not-hex`)).status, 400);
  assert.equal((await getJson<unknown[]>(c, `/api/v2/traceMany?traceIds=${traceId},${traceId.slice(16)}`)).length, 1);
  // The server span's caller is the root in frontend: one call, failed.
  assert.deepEqual(await getJson(c, `/api/v2/dependencies?endTs=${Date.now()}`), [{ parent: 'frontend', child: 'backend', callCount: 1, errorCount: 1 }]);
  const page = await (await fetch(`${c.url}/zipkin/`)).text();
  assert.match(page, new RegExp(`href="../api/v2/trace/${traceId}"`));
  assert.match(page, /<td>frontend<\/td><td>get \/home<\/td>/);
  await Promise.all([frontend.shutdown(), backend.shutdown()]);
});

test('a malformed POST is a 400 naming the problem, and the collector keeps serving', async (t) => {
  const c = await startCollector({ host: '127.0.0.1', port: 0 });
  t.after(() => c.close());
  const post = (body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${c.url}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const notJson = await post('[{"traceId": ');
  assert.equal(notJson.status, 400);
  assert.match(await notJson.text(), /Malformed reading List<Span> from json/);
  const badId = await post('[{"traceId": "xyz", "id": "1"}]');
  assert.equal(badId.status, 400);
  assert.match(await badId.text(), /span 0: traceId should be 16 or 32 lower-hex characters/);
  assert.equal((await post('{"traceId": "1"}')).status, 400);
  assert.equal((await post('[{"traceId": "a1", "id": "b2", "kind": "SIDEWAYS"}]')).status, 400);
  assert.equal((await post(gzipSync('not json'), { 'content-encoding': 'gzip' })).status, 400);
  // Two halves of one span id: the client's and the server's shared one; reports of the same span merge.
  const gz = gzipSync(JSON.stringify([
    { traceId: 'A1', id: 'b2', name: 'GET', kind: 'CLIENT', timestamp: 1_000, duration: 50, localEndpoint: { serviceName: 'web' } },
    { traceId: 'a1', id: 'b2', kind: 'SERVER', shared: true, timestamp: 1_010, localEndpoint: { serviceName: 'api' } },
    { traceId: 'a1', id: 'b2', name: 'get', kind: 'SERVER', shared: true, duration: 30, tags: { 'http.path': '/' }, localEndpoint: { serviceName: 'api' } },
  ]));
  assert.equal((await post(gz, { 'content-encoding': 'gzip' })).status, 202);
  const spans = await getJson<ZipkinSpan[]>(c, '/api/v2/trace/00000000000000a1');
  assert.equal(spans.length, 2);
  assert.deepEqual(spans[1], { traceId: '00000000000000a1', id: '00000000000000b2', kind: 'SERVER', shared: true, timestamp: 1_010,
    localEndpoint: { serviceName: 'api' }, name: 'get', duration: 30, tags: { 'http.path': '/' } });
  assert.deepEqual(await getJson(c, '/api/v2/services'), ['api', 'web']);
  assert.equal((await getJson<unknown[]>(c, '/api/v2/traces?endTs=1&lookback=1')).length, 1);
  assert.equal((await getJson<unknown[]>(c, '/api/v2/traces?endTs=1&lookback=1&minDuration=40')).length, 1);
  assert.equal((await getJson<unknown[]>(c, '/api/v2/traces?endTs=1&lookback=1&minDuration=40&maxDuration=45')).length, 0);
  assert.deepEqual(await getJson(c, '/api/v2/dependencies?endTs=1&lookback=1'), [{ parent: 'web', child: 'api', callCount: 1 }]);
  assert.equal((await fetch(`${c.url}/api/v2/dependencies`)).status, 400, 'endTs is required');
  const noMin = await fetch(`${c.url}/api/v2/traces?maxDuration=45`);
  assert.equal(noMin.status, 400);
  assert.match(await noMin.text(), /minDuration is required when specifying maxDuration/);
  assert.equal((await fetch(`${c.url}/api/v2/spans`)).status, 400);
  assert.deepEqual(await getJson(c, '/health'), { status: 'UP', zipkin: { status: 'UP', details: { InMemoryStorage: { status: 'UP' } } } });
});

test('OTLP/HTTP JSON posted to /v1/traces reads back through the Zipkin API', async (t) => {
  const c = await startCollector({ host: '127.0.0.1', port: 0 });
  t.after(() => c.close());
  const traceId = '5b8efff798038103d269b633813fc60c';
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = { resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'istio-ingressgateway.istio-system' } }] },
    scopeSpans: [{ scope: { name: 'strait' }, spans: [
      { traceId, spanId: 'eee19b7ec3c1b174', name: 'webapp.istioinaction.svc.cluster.local:80/*', kind: 3,
        startTimeUnixNano: String(now), endTimeUnixNano: String(now + 2_500_000n),
        attributes: [{ key: 'http.status_code', value: { intValue: '200' } }, { key: 'upstream_cluster', value: { stringValue: 'outbound|80||webapp' } }] },
      { traceId, spanId: 'eee19b7ec3c1b175', parentSpanId: 'eee19b7ec3c1b174', name: 'inner', kind: 'SPAN_KIND_SERVER',
        startTimeUnixNano: String(now + 100_000n), endTimeUnixNano: String(now + 2_000_000n), status: { code: 2, message: 'boom' } },
    ] }],
  }] };
  const r = await fetch(`${c.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), {});
  assert.deepEqual(await getJson(c, '/api/v2/services'), ['istio-ingressgateway.istio-system']);
  const [root, inner] = await getJson<ZipkinSpan[]>(c, `/api/v2/trace/${traceId}`);
  assert.deepEqual(root, { traceId, id: 'eee19b7ec3c1b174', name: 'webapp.istioinaction.svc.cluster.local:80/*', kind: 'CLIENT',
    timestamp: Number(now / 1000n), duration: 2500, localEndpoint: { serviceName: 'istio-ingressgateway.istio-system' },
    tags: { 'http.status_code': '200', upstream_cluster: 'outbound|80||webapp', 'otel.scope.name': 'strait' } });
  assert.equal(inner!.parentId, root!.id);
  assert.equal(inner!.kind, 'SERVER');
  assert.equal(inner!.tags?.['error'], 'boom');
  // Envoy's OTLP tracer pads 64-bit trace ids to 32 characters: Zipkin keeps those as 64-bit ids.
  const envoySpan = { traceId: '0000000000000000d269b633813fc60c', spanId: '00000000000000aa', name: 'egress', kind: 3,
    startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000n), attributes: [{ key: 'error', value: { stringValue: 'true' } }], status: { code: 2 } };
  const padded = await fetch(`${c.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'webapp.istioinaction' } }] }, scopeSpans: [{ spans: [envoySpan] }] }] }) });
  assert.equal(padded.status, 200);
  const [egress] = await getJson<ZipkinSpan[]>(c, '/api/v2/trace/d269b633813fc60c');
  assert.equal(egress!.traceId, 'd269b633813fc60c');
  assert.deepEqual(egress!.tags, { error: 'true', 'otel.status_code': 'ERROR' });
  const bad = await fetch(`${c.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans": 3}' });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /resourceSpans/);
});
