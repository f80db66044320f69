// Envoy's tracing decision: sampling percentages, x-client-trace-id, x-envoy-force-trace, and the
// reason packed into (and read back from) the x-request-id UUID, with the HCM's tracing.* counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderMap } from '../http/headers.js';
import { StatsStore } from '../stats/store.js';
import { decideTraceReason, samplingOf, type TracingStats } from './trace-reason.js';

const ID = '2f0a4b1c-5d6e-4f70-8a9b-0c1d2e3f4a5b';

function stats(store: StatsStore): TracingStats {
  const s = store.scope('http.test.tracing');
  return { random_sampling: s.counter('random_sampling'), service_forced: s.counter('service_forced'),
    client_enabled: s.counter('client_enabled'), not_traceable: s.counter('not_traceable'), health_check: s.counter('health_check') };
}

function request(extra: Record<string, string> = {}, id = ID): HeaderMap {
  const h = new HeaderMap();
  h.set('x-request-id', id);
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  return h;
}

const ALL = { client: 10000, random: 10000, overall: 10000 };
const NONE = { client: 10000, random: 0, overall: 10000 };

test('random_sampling 100% samples and packs "a" into the request id; 0% leaves it untraced', () => {
  const store = new StatsStore();
  const h = request();
  assert.equal(decideTraceReason(h, ALL, stats(store)), 'Sampling');
  assert.equal(h.get('x-request-id'), '2f0a4b1c-5d6e-af70-8a9b-0c1d2e3f4a5b');
  const untraced = request();
  assert.equal(decideTraceReason(untraced, NONE, stats(store)), 'NotTraceable');
  assert.equal(untraced.get('x-request-id'), ID);
  assert.equal(store.counter('http.test.tracing.random_sampling').value, 1);
  assert.equal(store.counter('http.test.tracing.not_traceable').value, 1);
});

test('a decision already in the request id (from the proxy before) is kept', () => {
  const h = request({}, '2f0a4b1c-5d6e-af70-8a9b-0c1d2e3f4a5b');
  assert.equal(decideTraceReason(h, NONE, stats(new StatsStore())), 'Sampling');
});

test('x-client-trace-id forces with client_sampling ("b"); x-envoy-force-trace forces ("9")', () => {
  const client = request({ 'x-client-trace-id': 'abc' });
  assert.equal(decideTraceReason(client, NONE, stats(new StatsStore())), 'ClientForced');
  assert.equal(client.get('x-request-id')![14], 'b');
  const noClient = request({ 'x-client-trace-id': 'abc' });
  assert.equal(decideTraceReason(noClient, { client: 0, random: 0, overall: 10000 }, stats(new StatsStore())), 'NotTraceable');
  const forced = request({ 'x-envoy-force-trace': 'true' });
  assert.equal(decideTraceReason(forced, NONE, stats(new StatsStore())), 'ServiceForced');
  assert.equal(forced.get('x-request-id')![14], '9');
});

test('overall_sampling 0% overrides every reason; a non-UUID request id is never traced locally', () => {
  const h = request({ 'x-envoy-force-trace': 'true' });
  assert.equal(decideTraceReason(h, { client: 10000, random: 10000, overall: 0 }, stats(new StatsStore())), 'NotTraceable');
  assert.equal(h.get('x-request-id')![14], '4');
  assert.equal(decideTraceReason(request({}, 'custom-id'), ALL, stats(new StatsStore())), 'NotTraceable');
});

test('percentages become numerators over 10000 (default 100%)', () => {
  assert.equal(samplingOf(undefined), 10000);
  assert.equal(samplingOf({ value: 0.5 }), 50);
  assert.equal(samplingOf({ value: 100 }), 10000);
});
