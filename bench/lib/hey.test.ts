// Tests of reading hey's summary: percentiles in ms, status codes, transport errors, and the
// 2xx-only rate (hey's own Requests/sec counts failures too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeySummary } from './hey.js';

const MIXED = `
Summary:
  Total:	2.0000 secs
  Slowest:	0.0149 secs
  Fastest:	0.0010 secs
  Average:	0.0031 secs
  Requests/sec:	616.5411
  
  Total data:	6700 bytes
  Size/request:	335 bytes

Response time histogram:
  0.001 [1]	|■■■
  0.015 [2]	|■■■■■■


Latency distribution:
  10% in 0.0010 secs
  25% in 0.0012 secs
  50% in 0.0018 secs
  75% in 0.0033 secs
  90% in 0.0136 secs
  95% in 0.0149 secs
  99% in 0.0151 secs

Details (average, fastest, slowest):
  DNS+dialup:	0.0004 secs, 0.0010 secs, 0.0149 secs
  resp read:	0.0002 secs, 0.0000 secs, 0.0007 secs

Status code distribution:
  [200]	1000 responses
  [503]	20 responses




Error distribution:
  [4]	Post "http://127.0.0.1:38112/": dial tcp 127.0.0.1:38112: connect: connection refused
  [1]	Post "http://127.0.0.1:38112/": EOF
`;

const ALL_FAILED = `
Summary:
  Total:	1.0056 secs
  Slowest:	0.0000 secs
  Fastest:	0.0000 secs
  Average:	 NaN secs
  Requests/sec:	16151.3315
  

Response time histogram:


Latency distribution:

Status code distribution:

Error distribution:
  [16242]	Get "https://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused
`;

test('parses percentiles, statuses and errors of a mixed run', () => {
  const r = parseHeySummary(MIXED);
  assert.equal(r.durationS, 2);
  assert.equal(r.heyRps, 616.5411);
  assert.deepEqual(r.statusCounts, { 200: 1000, 503: 20 });
  assert.equal(r.responses, 1020);
  assert.equal(r.okResponses, 1000);
  assert.equal(r.okRps, 500);
  assert.equal(r.errors, 5);
  assert.equal(r.errorSamples.length, 2);
  assert.ok(Math.abs(r.latencyMs.p50! - 1.8) < 1e-9);
  assert.ok(Math.abs(r.latencyMs.p90! - 13.6) < 1e-9);
  assert.ok(Math.abs(r.latencyMs.p99! - 15.1) < 1e-9);
  assert.ok(Math.abs(r.latencyMs.average! - 3.1) < 1e-9);
});

test('a run where every request failed has no latencies and no ok rate', () => {
  const r = parseHeySummary(ALL_FAILED);
  assert.equal(r.okRps, 0);
  assert.equal(r.responses, 0);
  assert.equal(r.errors, 16242);
  assert.equal(r.latencyMs.p50, undefined);
  assert.equal(r.latencyMs.average, undefined);
});
