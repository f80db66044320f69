// Extraction of B3 (multi and single) and traceparent contexts, and what is written for the next hop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderMap } from '../http/headers.js';
import { extractB3ThenW3c, extractW3cThenB3, injectContext } from './trace-context.js';

function headers(o: Record<string, string>): HeaderMap {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(o)) h.set(k, v);
  return h;
}

test('B3 multi headers give the context and the sampling decision', () => {
  const got = extractB3ThenW3c(headers({ 'x-b3-traceid': '463AC35C9F6413AD48485A3953BB6124', 'x-b3-spanid': 'a2fb4a1d1a96d312',
    'x-b3-parentspanid': '0020000000000001', 'x-b3-sampled': '1' }));
  assert.deepEqual(got, { context: { traceId: '463ac35c9f6413ad48485a3953bb6124', spanId: 'a2fb4a1d1a96d312',
    parentId: '0020000000000001', sampled: true }, sampled: true, invalid: false });
});

test('x-b3-sampled alone is a decision without a context; a malformed context is invalid', () => {
  assert.deepEqual(extractB3ThenW3c(headers({ 'x-b3-sampled': '0' })), { context: null, sampled: false, invalid: false });
  assert.equal(extractB3ThenW3c(headers({ 'x-b3-traceid': 'xyz', 'x-b3-spanid': 'a2fb4a1d1a96d312' })).invalid, true);
  assert.equal(extractB3ThenW3c(headers({ 'x-b3-traceid': '463ac35c9f6413ad' })).invalid, true);
});

test('the b3 single header: full form, and the sampling-only form', () => {
  const full = extractB3ThenW3c(headers({ b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90' }));
  assert.deepEqual(full.context, { traceId: '80f198ee56343ba864fe8b2a57d3eff7', spanId: 'e457b5a2e4d86bd1',
    parentId: '05e3ac9a4f6e3b90', sampled: true });
  assert.deepEqual(extractB3ThenW3c(headers({ b3: '0' })), { context: null, sampled: false, invalid: false });
  assert.equal(extractB3ThenW3c(headers({ b3: '80f198ee56343ba8-e457b5a2e4d86bd1-x' })).invalid, true);
});

test('traceparent is read when there is no B3 (Zipkin), first (OpenTelemetry)', () => {
  const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const ctx = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', parentId: '', sampled: true };
  assert.deepEqual(extractB3ThenW3c(headers({ traceparent: tp })).context, ctx);
  const both = headers({ traceparent: tp, 'x-b3-traceid': '463ac35c9f6413ad', 'x-b3-spanid': 'a2fb4a1d1a96d312' });
  assert.equal(extractB3ThenW3c(both).context?.spanId, 'a2fb4a1d1a96d312');
  assert.deepEqual(extractW3cThenB3(both).context, ctx);
  assert.equal(extractW3cThenB3(headers({ traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' })).context, null);
});

test('injection writes B3 multi headers and traceparent, replacing what came in', () => {
  const h = headers({ b3: '1', 'x-b3-parentspanid': 'ffffffffffffffff' });
  injectContext(h, { traceId: '463ac35c9f6413ad', spanId: 'a2fb4a1d1a96d312', parentId: '', sampled: false });
  assert.deepEqual(h.toObject(), {
    'x-b3-traceid': '463ac35c9f6413ad', 'x-b3-spanid': 'a2fb4a1d1a96d312', 'x-b3-sampled': '0',
    traceparent: '00-0000000000000000463ac35c9f6413ad-a2fb4a1d1a96d312-00',
  });
  injectContext(h, { traceId: '463ac35c9f6413ad', spanId: '1111111111111111', parentId: 'a2fb4a1d1a96d312', sampled: true });
  assert.equal(h.get('x-b3-parentspanid'), 'a2fb4a1d1a96d312');
  assert.equal(h.get('traceparent'), '00-0000000000000000463ac35c9f6413ad-1111111111111111-01');
});
