// Cluster tests: ClusterInfo from the proto (timeouts, protocol, limits), stat names, circuit
// breakers, STATIC hosts and their config errors, health refresh, and CDS add/update/remove.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { ClusterConfigError, clusterConfigErrors } from './cluster-manager.js';
import { clusterFromJson, managerFor, staticCluster } from './test-support.js';
import { HealthFlag } from './types.js';

test('ClusterInfo defaults: 5 s connect timeout, HTTP/1.1, round robin, no request limit', async () => {
  const { cm } = await managerFor([staticCluster('web', ['127.0.0.1:8080'])]);
  const info = cm.get('web')!.info;
  assert.equal(info.name, 'web');
  assert.equal(info.type, 'STATIC');
  assert.equal(info.connectTimeoutMs, 5000);
  assert.equal(info.protocol, 'HTTP/1.1');
  assert.equal(info.lbPolicy, 'ROUND_ROBIN');
  assert.equal(info.maxRequestsPerConnection, 0);
  assert.equal(info.idleTimeoutMs, 3_600_000);
  assert.equal(info.addedViaApi, false);
});

test('connect_timeout, http2_protocol_options and max_requests_per_connection on the cluster', async () => {
  const { cm } = await managerFor([staticCluster('h2', ['127.0.0.1:1'], {
    connect_timeout: '0.25s', http2_protocol_options: { max_concurrent_streams: 7 }, max_requests_per_connection: 9,
  })]);
  const info = cm.get('h2')!.info;
  assert.equal(info.connectTimeoutMs, 250);
  assert.equal(info.protocol, 'HTTP/2');
  assert.equal(info.maxConcurrentStreams, 7);
  assert.equal(info.maxRequestsPerConnection, 9);
});

test('typed_extension_protocol_options HttpProtocolOptions selects HTTP/2 and carries common options', async () => {
  const opts = (explicit: JsonValue): Record<string, JsonValue> => ({
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        common_http_protocol_options: { idle_timeout: '30s', max_requests_per_connection: 3 },
        explicit_http_config: explicit,
      },
    },
  });
  const { cm } = await managerFor([
    staticCluster('a', ['127.0.0.1:1'], opts({ http2_protocol_options: {} })),
    staticCluster('b', ['127.0.0.1:1'], opts({ http_protocol_options: {} })),
  ]);
  const a = cm.get('a')!.info;
  assert.equal(a.protocol, 'HTTP/2');
  assert.equal(a.maxRequestsPerConnection, 3);
  assert.equal(a.idleTimeoutMs, 30_000);
  assert.equal(cm.get('b')!.info.protocol, 'HTTP/1.1');
});

test('stats are named cluster.<name>.* and response codes count per code, class and retry', async () => {
  const { cm, stats } = await managerFor([staticCluster('svc', ['127.0.0.1:1'])]);
  const s = cm.get('svc')!.info.stats;
  for (const n of ['upstream_rq_total', 'upstream_cx_total', 'upstream_cx_connect_fail', 'upstream_rq_pending_overflow',
    'lb_healthy_panic', 'membership_change', 'upstream_cx_destroy_remote_with_active_rq', 'update_success']) {
    assert.ok(stats.counters.has(`cluster.svc.${n}`), n);
  }
  for (const n of ['upstream_cx_active', 'upstream_rq_active', 'membership_healthy', 'membership_total',
    'circuit_breakers.default.cx_open', 'circuit_breakers.high.rq_retry_open', 'circuit_breakers.default.cx_pool_open']) {
    assert.ok(stats.gauges.has(`cluster.svc.${n}`), n);
  }
  assert.ok(stats.histograms.has('cluster.svc.upstream_cx_connect_ms'));
  assert.equal(stats.gauges.get('cluster.svc.membership_total')!.value, 1);
  assert.equal(stats.gauges.get('cluster.svc.membership_healthy')!.value, 1);
  assert.equal(stats.counters.get('cluster.svc.membership_change')!.value, 1);
  assert.equal(stats.gauges.get('cluster.svc.membership_healthy')!.importMode, 'never');

  s.chargeResponse(200, false);
  s.chargeResponse(200, false);
  s.chargeResponse(503, true);
  s.chargeResponse(503, true);
  s.chargeResponse(503, false);
  const c = (n: string): number | undefined => stats.counters.get(`cluster.svc.${n}`)?.value;
  assert.equal(c('upstream_rq_200'), 2);
  assert.equal(c('upstream_rq_2xx'), 2);
  assert.equal(c('upstream_rq_503'), 3);
  assert.equal(c('upstream_rq_5xx'), 3);
  assert.equal(c('upstream_rq_completed'), 5);
  assert.equal(c('retry.upstream_rq_503'), 2);
  assert.equal(c('retry.upstream_rq_5xx'), 2);
  assert.equal(c('retry.upstream_rq_completed'), 2);
  assert.equal(c('retry.upstream_rq_200'), undefined);
  // Same handle after first use: the cache hands back the store's counter.
  assert.equal(s.upstream_rq_completed, stats.counters.get('cluster.svc.upstream_rq_completed'));
});

test('alt_stat_name names the stats; colons become underscores', async () => {
  const { stats } = await managerFor([
    staticCluster('outbound|80||web.default.svc.cluster.local', ['127.0.0.1:1'], { alt_stat_name: 'web_alt' }),
    staticCluster('a:b', ['127.0.0.1:1']),
  ]);
  assert.ok(stats.counters.has('cluster.web_alt.upstream_rq_total'));
  assert.ok(stats.counters.has('cluster.a_b.upstream_rq_total'));
});

test('circuit breakers: Envoy defaults 1024/1024/1024/3 for both priorities', async () => {
  const { cm } = await managerFor([staticCluster('cb', ['127.0.0.1:1'])]);
  for (const rm of cm.get('cb')!.info.resourceManagers) {
    assert.equal(rm.connections.max, 1024);
    assert.equal(rm.pendingRequests.max, 1024);
    assert.equal(rm.requests.max, 1024);
    assert.equal(rm.retries.max, 3);
  }
});

test('circuit breakers: custom thresholds per priority, open gauges and remaining gauges', async () => {
  const { cm, stats } = await managerFor([staticCluster('cb', ['127.0.0.1:1'], {
    circuit_breakers: { thresholds: [
      { max_connections: 2, max_pending_requests: 1, max_requests: 5, max_retries: 0, track_remaining: true },
      { priority: 'HIGH', max_connections: 7 },
    ] },
  })]);
  const [def, high] = cm.get('cb')!.info.resourceManagers;
  assert.equal(def.connections.max, 2);
  assert.equal(def.pendingRequests.max, 1);
  assert.equal(def.requests.max, 5);
  assert.equal(def.retries.max, 0);
  assert.equal(def.retries.canCreate(), false);
  assert.equal(high.connections.max, 7);
  assert.equal(high.requests.max, 1024);
  const g = (n: string): number => stats.gauges.get(`cluster.cb.circuit_breakers.${n}`)!.value;
  assert.equal(g('default.remaining_cx'), 2);
  def.connections.inc();
  assert.equal(g('default.cx_open'), 0);
  assert.equal(g('default.remaining_cx'), 1);
  def.connections.inc();
  assert.equal(def.connections.canCreate(), false);
  assert.equal(g('default.cx_open'), 1);
  assert.equal(g('default.remaining_cx'), 0);
  def.connections.dec();
  assert.equal(g('default.cx_open'), 0);
  assert.equal(stats.gauges.has('cluster.cb.circuit_breakers.high.remaining_cx'), false);
});

test('retry_budget: retries allowed are 20% of active requests, at least min_retry_concurrency', async () => {
  const { cm } = await managerFor([staticCluster('rb', ['127.0.0.1:1'], {
    circuit_breakers: { thresholds: [{ retry_budget: { budget_percent: { value: 50 }, min_retry_concurrency: 1 } }] },
  })]);
  const rm = cm.get('rb')!.info.resourceManagers[0];
  assert.equal(rm.retries.max, 1);
  for (let i = 0; i < 10; i++) rm.requests.inc();
  assert.equal(rm.retries.max, 5);
});

test('STATIC hosts carry weight, priority, locality, hostname and EDS health', async () => {
  const { cm, stats } = await managerFor([{
    name: 'multi', type: 'STATIC', lb_policy: 'LEAST_REQUEST',
    load_assignment: { cluster_name: 'multi', endpoints: [
      { locality: { region: 'eu', zone: 'eu-1', sub_zone: 'a' }, lb_endpoints: [
        { endpoint: { hostname: 'one.local', address: { socket_address: { address: '127.0.0.1', port_value: 81 } } },
          load_balancing_weight: 3 },
        { endpoint: { address: { socket_address: { address: '::1', port_value: 82 } } }, health_status: 'UNHEALTHY' },
      ] },
      { priority: 1, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.2', port_value: 83 } } } }] },
    ] },
  }]);
  const c = cm.get('multi')!;
  assert.equal(c.info.lbPolicy, 'LEAST_REQUEST');
  assert.equal(c.hostsByPriority.length, 2);
  const [a, b] = c.hostsByPriority[0];
  assert.equal(a.key, '127.0.0.1:81');
  assert.equal(a.hostname, 'one.local');
  assert.equal(a.weight, 3);
  assert.deepEqual(a.locality, { region: 'eu', zone: 'eu-1', subZone: 'a' });
  assert.equal(b.key, '[::1]:82');
  assert.equal(b.healthFlags, HealthFlag.FailedEdsHealth);
  assert.equal(c.hostsByPriority[1][0].priority, 1);
  assert.equal(stats.gauges.get('cluster.multi.membership_total')!.value, 3);
  assert.equal(stats.gauges.get('cluster.multi.membership_healthy')!.value, 2);
  assert.equal(stats.gauges.get('cluster.multi.max_host_weight')!.value, 3);
  // Unhealthy hosts are skipped; P0 has 1 of 2 healthy (70% load), so both priorities get traffic.
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(c.chooseHost({ head: undefined as never })!.key);
  assert.deepEqual([...seen].sort(), ['127.0.0.1:81', '127.0.0.2:83']);
});

test('refreshHealth: marking every host unhealthy puts the cluster in panic', async () => {
  const { cm, stats } = await managerFor([staticCluster('p', ['127.0.0.1:1', '127.0.0.1:2'])]);
  const c = cm.get('p')!;
  for (const h of c.hostsByPriority[0]) h.healthFlags |= HealthFlag.FailedOutlierCheck;
  c.refreshHealth();
  assert.equal(stats.gauges.get('cluster.p.membership_healthy')!.value, 0);
  assert.notEqual(c.chooseHost({ head: undefined as never }), null);
  assert.equal(stats.counters.get('cluster.p.lb_healthy_panic')!.value, 1);
});

test('a STATIC endpoint that is not an IP address is a config error with its field path', async () => {
  await assert.rejects(managerFor([staticCluster('ok', ['127.0.0.1:1']), staticCluster('bad', ['example.com:80'])]),
    (e: unknown) => {
      assert.ok(e instanceof ClusterConfigError);
      assert.equal(e.message, '.static_resources.clusters[1].load_assignment.endpoints[0].lb_endpoints[0].endpoint'
        + '.address.socket_address.address: malformed IP address: example.com. Consider setting resolver_name or '
        + "setting cluster type to 'STRICT_DNS' or 'LOGICAL_DNS'");
      return true;
    });
});

test('duplicate cluster names are rejected', async () => {
  await assert.rejects(managerFor([staticCluster('x', ['127.0.0.1:1']), staticCluster('x', ['127.0.0.1:2'])]),
    /\.static_resources\.clusters\[1\]\.name: cluster manager: duplicate cluster 'x'/);
});

test('CDS: add, update (unchanged is a no-op), remove; cluster_manager stats follow', async () => {
  const { cm, stats } = await managerFor([staticCluster('s', ['127.0.0.1:1'])]);
  const c = (n: string): number => stats.counters.get(`cluster_manager.${n}`)!.value;
  assert.equal(c('cluster_added'), 1);
  // Static clusters are out of CDS's reach.
  assert.equal(await cm.addOrUpdateCluster(clusterFromJson(staticCluster('s', ['127.0.0.1:9']))), false);
  assert.equal(cm.removeCluster('s'), false);
  assert.equal(cm.get('s')!.hostsByPriority[0][0].key, '127.0.0.1:1');
  assert.equal(await cm.addOrUpdateCluster(clusterFromJson(staticCluster('d', ['127.0.0.1:2']))), true);
  assert.equal(cm.get('d')!.info.addedViaApi, true);
  assert.equal(c('cluster_added'), 2);
  assert.equal(await cm.addOrUpdateCluster(clusterFromJson(staticCluster('d', ['127.0.0.1:2']))), false);
  assert.equal(await cm.addOrUpdateCluster(clusterFromJson(staticCluster('d', ['127.0.0.1:3']))), true);
  assert.equal(cm.get('d')!.hostsByPriority[0][0].key, '127.0.0.1:3');
  assert.equal(c('cluster_modified'), 1);
  assert.equal(stats.gauges.get('cluster_manager.active_clusters')!.value, 2);
  await assert.rejects(cm.addOrUpdateCluster(clusterFromJson(staticCluster('d', ['nope:1']))), ClusterConfigError);
  assert.equal(cm.get('d')!.hostsByPriority[0][0].key, '127.0.0.1:3');
  assert.equal(cm.removeCluster('d'), true);
  assert.equal(cm.removeCluster('d'), false);
  assert.equal(cm.get('d'), undefined);
  assert.equal(c('cluster_removed'), 1);
  assert.equal(stats.gauges.get('cluster_manager.active_clusters')!.value, 1);
});

test('clusterConfigErrors reports without starting anything', () => {
  assert.deepEqual(clusterConfigErrors(clusterFromJson(staticCluster('v', ['127.0.0.1:1']))), []);
  const errs = clusterConfigErrors(clusterFromJson({ name: 'v', type: 'LOGICAL_DNS' }));
  assert.deepEqual(errs.map((e) => e.path), [['load_assignment']]);
});
