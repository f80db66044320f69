// Retry decisions against Envoy's RetryStateImpl: the retries circuit-breaker slot held until the
// next decision, retry_success, limit and overflow, and rate_limited_retry_back_off headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { CircuitBreakers_ThresholdsSchema } from '../../../../xds/gen/envoy/config/cluster/v3/circuit_breaker_pb.js';
import { RetryPolicySchema } from '../../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { registry } from '../../../../xds/registry.js';
import { HeaderMap } from '../../../http/headers.js';
import { StatsStore } from '../../../stats/store.js';
import { ClusterStatsImpl } from '../../../upstream/cluster-stats.js';
import { ResourceManagerImpl } from '../../../upstream/resource-manager.js';
import { CompiledRetryPolicy, RetryState, RetryStatus } from './retry-state.js';
import { jitteredLowerBoundMs, parseResetHeader } from './reset-header.js';

function setup(policy: JsonValue, thresholds?: JsonValue) {
  const scope = new StatsStore().scope('cluster.c');
  const stats = new ClusterStatsImpl(scope);
  const t = thresholds === undefined ? undefined : fromJson(CircuitBreakers_ThresholdsSchema, thresholds, { registry });
  const rm = new ResourceManagerImpl(scope, 'default', t);
  const state = () => new RetryState(new CompiledRetryPolicy(fromJson(RetryPolicySchema, policy, { registry })),
    new HeaderMap());
  return { stats, rm, state };
}

test('a granted retry holds a max_retries slot until the next decision; then retry_success', () => {
  const { stats, rm, state } = setup({ retry_on: '5xx', num_retries: 2 }, { max_retries: 1 });
  const a = state();
  const b = state();
  assert.equal(a.shouldRetry(true, rm.retries, stats), RetryStatus.Yes);
  assert.equal(rm.retries.count, 1);
  assert.equal(b.shouldRetry(true, rm.retries, stats), RetryStatus.NoOverflow);
  assert.equal(stats.upstream_rq_retry_overflow.value, 1);
  assert.equal(a.shouldRetry(false, rm.retries, stats), RetryStatus.No);
  assert.equal(rm.retries.count, 0);
  assert.equal(stats.upstream_rq_retry_success.value, 1);
  assert.equal(stats.upstream_rq_retry.value, 1);
});

test('num_retries exhausted: NoRetryLimitExceeded and upstream_rq_retry_limit_exceeded', () => {
  const { stats, rm, state } = setup({ retry_on: '5xx', num_retries: 1 });
  const s = state();
  assert.equal(s.shouldRetry(true, rm.retries, stats), RetryStatus.Yes);
  assert.equal(s.shouldRetry(true, rm.retries, stats), RetryStatus.NoRetryLimitExceeded);
  assert.equal(stats.upstream_rq_retry_limit_exceeded.value, 1);
  assert.equal(rm.retries.count, 0, 'the slot of the earlier retry is given back');
});

test('retry_budget: min_retry_concurrency 3 by default when nothing is active', () => {
  const { stats, rm, state } = setup({ retry_on: '5xx', num_retries: 1 }, { retry_budget: {} });
  const granted = [state(), state(), state(), state()].map((s) => s.shouldRetry(true, rm.retries, stats));
  assert.deepEqual(granted, [RetryStatus.Yes, RetryStatus.Yes, RetryStatus.Yes, RetryStatus.NoOverflow]);
  for (let i = 0; i < 40; i++) rm.requests.inc();
  // 20% of 40 active requests is 8 retries.
  assert.equal(rm.retries.max, 8);
});

test('rate_limited_retry_back_off: the reset header sets the back-off, counted as ratelimited', () => {
  const { stats, rm, state } = setup({ retry_on: 'retriable-status-codes', retriable_status_codes: [429], num_retries: 3,
    rate_limited_retry_back_off: { reset_headers: [{ name: 'Retry-After' }, { name: 'X-RateLimit-Reset', format: 'UNIX_TIMESTAMP' }],
      max_interval: '10s' } });
  const s = state();
  const h = HeaderMap.fromRaw(['Retry-After', '2']);
  assert.equal(s.shouldRetryHeaders(429, h, rm.retries, stats), RetryStatus.Yes);
  const ms = s.nextBackoffMs(stats);
  assert.ok(ms >= 2000 && ms < 3000, `${ms}`);
  assert.equal(stats.upstream_rq_retry_backoff_ratelimited.value, 1);
  // Over max_interval: discarded, so exponential back-off is used.
  assert.equal(s.shouldRetryHeaders(429, HeaderMap.fromRaw(['Retry-After', '60']), rm.retries, stats), RetryStatus.Yes);
  assert.ok(s.nextBackoffMs(stats) < 250);
  assert.equal(stats.upstream_rq_retry_backoff_exponential.value, 1);
});

test('reset header parsing: seconds, Unix timestamps not in the past, junk', () => {
  assert.equal(parseResetHeader('3', false), 3000);
  assert.equal(parseResetHeader('x3', false), -1);
  assert.equal(parseResetHeader(undefined, false), -1);
  assert.equal(parseResetHeader('1005', true, () => 1000), 5000);
  assert.equal(parseResetHeader('999', true, () => 1000), -1);
  assert.equal(jitteredLowerBoundMs(1000, () => 0), 1000);
  assert.equal(jitteredLowerBoundMs(1000, () => 0.999), 1499);
});
