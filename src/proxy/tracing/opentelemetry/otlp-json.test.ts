// The OTLP/HTTP JSON body of an export, and how the tracer reads http_uri.uri.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Span } from '../span.js';
import { encodeOtlpJson } from './otlp-json.js';
import { splitUri } from './otel-driver.js';

test('spans become one resource with service.name and one scope of spans with string nanosecond times', () => {
  const span = new Span({ name: 'ingress', kind: 'SERVER', traceId: '463ac35c9f6413ad', spanId: 'a2fb4a1d1a96d312',
    parentId: '0020000000000001', sampled: true, shared: false, startMono: performance.now() }, { report: () => undefined });
  span.setTag('error', 'true');
  span.durationUs = 2000;
  const body = JSON.parse(encodeOtlpJson([span], 'catalog')) as { resourceSpans: { resource: unknown;
    scopeSpans: { scope: unknown; spans: Record<string, unknown>[] }[] }[] };
  const rs = body.resourceSpans[0];
  assert.deepEqual(rs.resource, { attributes: [{ key: 'service.name', value: { stringValue: 'catalog' } }] });
  const s = rs.scopeSpans[0].spans[0];
  assert.equal(s.traceId, '0000000000000000463ac35c9f6413ad', '64-bit trace ids are widened to OTLP\'s 16 bytes');
  assert.equal(s.parentSpanId, '0020000000000001');
  assert.equal(s.kind, 2);
  assert.equal(BigInt(s.endTimeUnixNano as string) - BigInt(s.startTimeUnixNano as string), 2_000_000n);
  assert.deepEqual(s.attributes, [{ key: 'error', value: { stringValue: 'true' } }]);
  assert.deepEqual(s.status, { code: 2 });
});

test('http_uri.uri gives the Host and the path', () => {
  assert.deepEqual(splitUri('http://otel-collector:4318/v1/traces'), { authority: 'otel-collector:4318', path: '/v1/traces' });
  assert.deepEqual(splitUri('https://collector'), { authority: 'collector', path: '/' });
  assert.deepEqual(splitUri('/v1/traces'), { authority: '', path: '/v1/traces' });
});
