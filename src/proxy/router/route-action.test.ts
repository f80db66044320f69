// Route actions as compiled: cluster specifiers (cluster, cluster_header, weighted_clusters and their
// selection by random value), timeouts, retry/hedge policy inheritance, hash policy and other passthroughs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import type { ForwardAction, RouteMatchResult } from './types.js';
import { oneHost, req, table } from './test-support.js';

function forward(m: RouteMatchResult | null): ForwardAction {
  assert.ok(m !== null && m.route.action.kind === 'route');
  return m.route.action;
}

function actionOf(route: JsonValue, vhostExtra: Record<string, JsonValue> = {}): ForwardAction {
  return forward(oneHost([{ match: { prefix: '/' }, route }], {}, vhostExtra).route(req('/'), 0));
}

test('cluster and cluster_header', () => {
  const t = oneHost([
    { match: { prefix: '/h' }, route: { cluster_header: 'X-Cluster' } },
    { match: { prefix: '/' }, route: { cluster: 'static' } },
  ]);
  assert.equal(t.route(req('/'), 0)?.clusterName, 'static');
  assert.equal(t.route(req('/'), 0), t.route(req('/x'), 0.5), 'a fixed cluster reuses one precomputed result');
  assert.equal(t.route(req('/h', { headers: { 'x-cluster': 'dyn' } }), 0)?.clusterName, 'dyn');
  assert.equal(t.route(req('/h', { headers: { 'x-cluster': ['first', 'second'] } }), 0)?.clusterName, 'first');
  assert.equal(t.route(req('/h'), 0)?.clusterName, '', 'a missing header leaves no cluster (the router answers NC)');
});

const WEIGHTED = {
  clusters: [{ name: 'v1', weight: 10 }, { name: 'v2', weight: 30 }, { name: 'v3', weight: 60 }],
};

test('weighted clusters: the random value picks over cumulative weights', () => {
  const t = oneHost([{ match: { prefix: '/' }, route: { weighted_clusters: WEIGHTED } }]);
  // Floats in [0, 1) scale to the total weight; integers (Envoy's uint64 random) are taken modulo it.
  const cases: [number, string][] = [
    [0, 'v1'], [0.0999, 'v1'], [0.1, 'v2'], [0.3999, 'v2'], [0.4, 'v3'], [0.9999, 'v3'],
    [9, 'v1'], [10, 'v2'], [39, 'v2'], [40, 'v3'], [99, 'v3'], [100, 'v1'], [1_000_000_015, 'v2'],
  ];
  for (const [r, want] of cases) {
    const m = t.route(req('/'), r);
    assert.equal(m?.clusterName, want, `random ${r}`);
    assert.equal(m?.weightedCluster?.name, want);
  }
});

test('weighted clusters: the distribution over evenly spread random values follows the weights', () => {
  const t = oneHost([{ match: { prefix: '/' }, route: { weighted_clusters: WEIGHTED } }]);
  const counts = new Map<string, number>();
  const n = 10_000;
  for (let i = 0; i < n; i++) {
    const name = t.route(req('/'), i / n)!.clusterName;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(counts), { v1: 1000, v2: 3000, v3: 6000 });
  // And with Math.random(), roughly so (5 sigma bounds, so this cannot flake in practice).
  counts.clear();
  for (let i = 0; i < n; i++) {
    const name = t.route(req('/'), Math.random())!.clusterName;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const v1 = counts.get('v1') ?? 0;
  assert.ok(v1 > 850 && v1 < 1150, `v1 got ${v1} of ${n}`);
});

test('weighted clusters: header_name supplies the random value; cluster_header entries read the request', () => {
  const t = oneHost([{ match: { prefix: '/' }, route: { weighted_clusters: {
    header_name: 'x-random',
    clusters: [{ name: 'a', weight: 1 }, { cluster_header: 'x-pick', weight: 1 }],
  } } }]);
  const cases: [Record<string, string | string[]>, number, string][] = [
    [{ 'x-random': '0' }, 0.9, 'a'],
    [{ 'x-random': '3', 'x-pick': 'picked' }, 0, 'picked'],
    [{ 'x-random': '12345678901234567891', 'x-pick': 'picked' }, 0.9, 'picked'],  // odd, beyond 2^53
    [{ 'x-random': '18446744073709551616', 'x-pick': 'p' }, 0, 'a'],   // beyond uint64: invalid, random 0 used
    [{ 'x-random': 'abc', 'x-pick': 'p' }, 0.9, 'p'],          // invalid: the stream's random value is used
    [{ 'x-random': ['0', '0'], 'x-pick': 'p' }, 0.9, 'p'],     // multi-valued: invalid too
    [{}, 0.9, ''],                                            // cluster_header entry with no header
  ];
  for (const [headers, r, want] of cases) assert.equal(t.route(req('/', { headers }), r)?.clusterName, want, JSON.stringify(headers));
});

test('timeouts: 15 s by default, 0 disables, idle_timeout and others when set', () => {
  const cases: [JsonValue, Partial<ForwardAction>][] = [
    [{ cluster: 'c' }, { timeoutMs: 15_000, idleTimeoutMs: undefined, streamDuration: null }],
    [{ cluster: 'c', timeout: '0s' }, { timeoutMs: 0 }],
    [{ cluster: 'c', timeout: '2.5s', idle_timeout: '0s' }, { timeoutMs: 2500, idleTimeoutMs: 0 }],
    [{ cluster: 'c', idle_timeout: '30s', max_stream_duration: { max_stream_duration: '60s' }, max_grpc_timeout: '1s' },
      { idleTimeoutMs: 30_000, maxGrpcTimeoutMs: 1000 }],
  ];
  for (const [route, want] of cases) {
    const a = actionOf(route);
    for (const [k, v] of Object.entries(want)) assert.equal(a[k as keyof ForwardAction], v, `${JSON.stringify(route)} ${k}`);
  }
  assert.deepEqual(actionOf({ cluster: 'c', max_stream_duration: { max_stream_duration: '60s', grpc_timeout_header_max: '0s' } })
    .streamDuration, { maxStreamDurationMs: 60_000, grpcTimeoutHeaderMaxMs: 0, grpcTimeoutHeaderOffsetMs: undefined });
});

test('retry_policy and hedge_policy: the route\'s, else the virtual host\'s (whole, not merged)', () => {
  const vhost = { retry_policy: { retry_on: '5xx', num_retries: 3 }, hedge_policy: { initial_requests: 2 } };
  const inherited = actionOf({ cluster: 'c' }, vhost);
  assert.equal(inherited.retryPolicy?.retryOn, '5xx');
  assert.equal(inherited.retryPolicy?.numRetries, 3);
  assert.equal(inherited.hedgePolicy?.initialRequests, 2);
  const own = actionOf({ cluster: 'c', retry_policy: { retry_on: 'connect-failure', per_try_timeout: '1s' } }, vhost);
  assert.equal(own.retryPolicy?.retryOn, 'connect-failure');
  assert.equal(own.retryPolicy?.numRetries, undefined);
  assert.equal(actionOf({ cluster: 'c' }).retryPolicy, undefined);
  // Compiled with the route, as the router reads it: the inherited policy's count, the own one's per-try timeout.
  assert.equal(inherited.retry.numRetries, 3);
  assert.equal(own.retry.numRetries, 1, "Envoy's default");
  assert.equal(own.retry.perTryTimeoutMs, 1000);
  assert.equal(actionOf({ cluster: 'c' }).retry.retryOn, 0, 'no policy: nothing retried');
});

test('other route action fields pass through compiled', () => {
  const a = actionOf({
    cluster: 'c', priority: 'HIGH', cluster_not_found_response_code: 'NOT_FOUND',
    hash_policy: [{ header: { header_name: 'x-user' } }, { connection_properties: { source_ip: true }, terminal: true }],
    upgrade_configs: [{ upgrade_type: 'WebSocket' }, { upgrade_type: 'h2c', enabled: false }],
    auto_host_rewrite: true, append_x_forwarded_host: true,
  });
  assert.equal(a.priority, 'high');
  assert.equal(a.clusterNotFoundResponseCode, 404);
  // Compiled with the route: the header's hash, ended there (terminal) only if the first policy yields none.
  assert.notEqual(a.hash?.generate(req('/', { headers: { 'x-user': 'alice' } }), '1.2.3.4', null), undefined);
  assert.equal(actionOf({ cluster: 'c' }).hash, null);
  assert.deepEqual([...a.upgradeConfigs], [['websocket', true], ['h2c', false]]);
  assert.equal(a.autoHostRewrite, true);
  assert.equal(a.appendXForwardedHost, true);
  assert.equal(actionOf({ cluster: 'c' }).clusterNotFoundResponseCode, 503);
  assert.equal(actionOf({ cluster: 'c' }).priority, 'default');
});

test('request mirror policies: the route\'s, else the virtual host\'s, else the route configuration\'s', () => {
  const t = table({
    name: 'r', request_mirror_policies: [{ cluster: 'global' }],
    virtual_hosts: [
      { name: 'a', domains: ['a'], request_mirror_policies: [{ cluster: 'vhost' }], routes: [
        { match: { prefix: '/own' }, route: { cluster: 'c', request_mirror_policies: [{ cluster: 'route' }] } },
        { match: { prefix: '/' }, route: { cluster: 'c' } }] },
      { name: 'b', domains: ['b'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] },
    ],
  });
  const mirror = (authority: string, path: string) => forward(t.route(req(path, { authority }), 0)).requestMirrorPolicies[0].cluster;
  assert.equal(mirror('a', '/own'), 'route');
  assert.equal(mirror('a', '/'), 'vhost');
  assert.equal(mirror('b', '/'), 'global');
});

test('virtual host and route passthroughs', () => {
  const t = table({
    name: 'r', internal_only_headers: ['X-Internal-Secret'],
    virtual_hosts: [{
      name: 'vh', domains: ['*'], include_request_attempt_count: true, include_attempt_count_in_response: true,
      routes: [{ name: 'first', match: { prefix: '/' }, route: { cluster: 'c' }, decorator: { operation: 'op' } }],
    }],
  });
  assert.deepEqual(t.internalOnlyHeaders, ['x-internal-secret']);
  const m = t.route(req('/'), 0)!;
  assert.equal(m.virtualHost.includeRequestAttemptCount, true);
  assert.equal(m.virtualHost.includeAttemptCountInResponse, true);
  assert.equal(m.route.proto.decorator?.operation, 'op');
  assert.equal(m.route.name, 'first');
});
