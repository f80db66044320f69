// Outlier detection on simulated time, through real clusters: consecutive 5xx / gateway / local-origin
// ejections, max_ejection_percent, growing ejection times, success-rate and failure-percentage
// sweeps, membership changes, the /clusters lines, and unejection by a passing active health check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { healthFlagsToString, renderClustersText } from '../../admin/clusters.js';
import type { ClusterImpl } from '../cluster.js';
import { clusterConfigErrors } from '../cluster-manager.js';
import { ManualClock } from '../health/clock.js';
import type { HostImpl } from '../host.js';
import { clusterFromJson, managerFor, staticCluster } from '../test-support.js';
import { OutlierResult } from '../types.js';
import { outlierAdminView } from './admin-view.js';

function hosts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.0.0.${i + 1}:80`);
}

async function setup(od: Record<string, JsonValue>, n = 3, extra: Record<string, JsonValue> = {}) {
  const clock = new ManualClock();
  const { cm, stats } = await managerFor([staticCluster('svc', hosts(n), { outlier_detection: od, ...extra })],
    { clock, random: () => 0 });
  const c = cm.get('svc') as ClusterImpl;
  const hs = c.hostsByPriority[0] as HostImpl[];
  const ctr = (name: string): number => stats.counters.get(`cluster.svc.outlier_detection.${name}`)!.value;
  const active = (): number => stats.gauges.get('cluster.svc.outlier_detection.ejections_active')!.value;
  const codes = (h: HostImpl, code: number, times: number): void => {
    for (let i = 0; i < times; i++) h.outlier.putHttpResponseCode(code);
  };
  return { clock, cm, stats, c, hs, ctr, active, codes };
}

test('5 consecutive 5xx eject the host; it is out of balancing; stats follow Envoy', async () => {
  const { cm, c, hs, ctr, active, codes, stats } = await setup({ max_ejection_percent: 50 });
  codes(hs[0], 500, 4);
  hs[0].outlier.putHttpResponseCode(200);
  codes(hs[0], 503, 4);
  assert.equal(hs[0].healthFlags, 0, 'a success in between resets the count');
  hs[0].outlier.putHttpResponseCode(500);
  assert.equal(healthFlagsToString(hs[0].healthFlags), '/failed_outlier_check');
  assert.equal(ctr('ejections_detected_consecutive_5xx'), 1);
  assert.equal(ctr('ejections_enforced_consecutive_5xx'), 1);
  assert.equal(ctr('ejections_enforced_total'), 1);
  assert.equal(ctr('ejections_total'), 1);
  assert.equal(ctr('ejections_consecutive_5xx'), 1);
  // 4 of the 5 were 502/503/504 in a row but enforcing_consecutive_gateway_failure defaults to 0.
  assert.equal(ctr('ejections_enforced_consecutive_gateway_failure'), 0);
  assert.equal(active(), 1);
  assert.equal(stats.gauges.get('cluster.svc.membership_healthy')!.value, 2);
  for (let i = 0; i < 30; i++) assert.notEqual(c.chooseHost({ head: undefined as never }), hs[0]);
  cm.destroy();
  assert.equal(active(), 0, 'a destroyed detector leaves ejections_active');
});

test('max_ejection_percent counts the host being ejected: 10% of 3 hosts ejects none', async () => {
  const { cm, hs, ctr, codes } = await setup({});
  codes(hs[0], 500, 5);
  assert.equal(hs[0].healthFlags, 0);
  assert.equal(ctr('ejections_overflow'), 1);
  assert.equal(ctr('ejections_detected_consecutive_5xx'), 1);
  cm.destroy();

  const b = await setup({ max_ejection_percent: 50 });
  b.codes(b.hs[0], 500, 5);
  b.codes(b.hs[1], 500, 5);
  assert.equal(healthFlagsToString(b.hs[0].healthFlags), '/failed_outlier_check');
  assert.equal(b.hs[1].healthFlags, 0, 'a second host would make 67% > 50%');
  assert.equal(b.ctr('ejections_overflow'), 1);
  b.cm.destroy();

  const one = await setup({ always_eject_one_host: true });
  one.codes(one.hs[2], 500, 5);
  assert.equal(healthFlagsToString(one.hs[2].healthFlags), '/failed_outlier_check', 'always_eject_one_host');
  one.codes(one.hs[1], 500, 5);
  assert.equal(one.hs[1].healthFlags, 0);
  one.cm.destroy();
});

test('ejection time is base_ejection_time x recent ejections, capped by max_ejection_time', async () => {
  const { clock, cm, hs, codes, active } = await setup({ max_ejection_percent: 100, interval: '10s',
    base_ejection_time: '30s', max_ejection_time: '70s' });
  const h = hs[0];
  const ejectedFor = (): number => {
    const start = clock.now();
    while (h.healthFlags !== 0) clock.advance(1000);
    return clock.now() - start;
  };
  const sweepPhase = (): void => {
    // Eject right after a sweep, so the time out is exactly the ejection time rounded up to a sweep.
    const next = 10_000 - (clock.now() % 10_000);
    clock.advance(next);
  };
  sweepPhase();
  codes(h, 500, 5);
  assert.equal(ejectedFor(), 30_000);
  codes(h, 500, 5);
  assert.equal(ejectedFor(), 60_000, 'ejected again before a calm interval: twice as long');
  codes(h, 500, 5);
  assert.equal(ejectedFor(), 70_000, 'three times would be 90 s: capped at max_ejection_time');
  // Calm intervals make the multiplier decay, one per interval.
  clock.advance(10 * 10_000);
  codes(h, 500, 5);
  assert.equal(ejectedFor(), 30_000);
  assert.equal(active(), 0);
  cm.destroy();
});

test('consecutive gateway failures eject when enforced; connect failures count as 503s unless split', async () => {
  const gw = await setup({ max_ejection_percent: 100, consecutive_5xx: 100, enforcing_consecutive_gateway_failure: 100 });
  gw.codes(gw.hs[0], 502, 2);
  gw.hs[0].outlier.putResult(OutlierResult.LocalOriginTimeout);
  gw.hs[0].outlier.putResult(OutlierResult.LocalOriginConnectFailed);
  gw.hs[0].outlier.putResult(OutlierResult.LocalOriginConnectSuccess);
  assert.equal(gw.hs[0].healthFlags, 0, 'a connect success is not an HTTP result');
  gw.codes(gw.hs[0], 504, 1);
  assert.equal(healthFlagsToString(gw.hs[0].healthFlags), '/failed_outlier_check');
  assert.equal(gw.ctr('ejections_enforced_consecutive_gateway_failure'), 1);
  assert.equal(gw.ctr('ejections_total'), 0, 'ejections_total counts only 5xx and success-rate ejections');
  gw.codes(gw.hs[1], 500, 3);
  gw.codes(gw.hs[1], 502, 4);
  assert.equal(gw.hs[1].healthFlags, 0, 'a 500 breaks the gateway-failure run');
  gw.cm.destroy();

  const split = await setup({ max_ejection_percent: 100, split_external_local_origin_errors: true,
    consecutive_local_origin_failure: 3 });
  const h = split.hs[0];
  h.outlier.putResult(OutlierResult.LocalOriginConnectFailed);
  h.outlier.putResult(OutlierResult.LocalOriginTimeout);
  h.outlier.putResult(OutlierResult.LocalOriginConnectSuccess);
  h.outlier.putResult(OutlierResult.LocalOriginConnectFailed);
  h.outlier.putResult(OutlierResult.LocalOriginConnectFailed);
  assert.equal(h.healthFlags, 0, 'a connect success resets the local-origin count');
  split.codes(h, 500, 4);
  h.outlier.putResult(OutlierResult.LocalOriginTimeout, 504);
  assert.equal(healthFlagsToString(h.healthFlags), '/failed_outlier_check', 'third local-origin failure in a row');
  assert.equal(split.ctr('ejections_enforced_consecutive_local_origin_failure'), 1);
  assert.equal(split.ctr('ejections_detected_consecutive_5xx'), 0, 'split: local failures are not 5xx');
  split.cm.destroy();
});

test('success-rate ejection: mean - 1.9 x stdev, printed by /clusters', async () => {
  const { clock, cm, c, hs, ctr, codes } = await setup({ max_ejection_percent: 100, interval: '10s',
    consecutive_5xx: 1000 }, 5);
  for (const [i, h] of hs.entries()) {
    codes(h, 200, i === 0 ? 50 : 100);
    codes(h, 500, i === 0 ? 50 : 0);
  }
  clock.advance(10_000);
  // Envoy's own example: rates {50, 100, 100, 100, 100} give mean 90, stdev 20, threshold 52.
  assert.equal(healthFlagsToString(hs[0].healthFlags), '/failed_outlier_check');
  assert.equal(ctr('ejections_detected_success_rate'), 1);
  assert.equal(ctr('ejections_enforced_success_rate'), 1);
  const view = outlierAdminView(c)!;
  assert.equal(view.successRateAverage, 90);
  assert.ok(Math.abs(view.successRateEjectionThreshold - 52) < 1e-9);
  assert.equal(view.hostSuccessRate(hs[1]), 100);
  assert.equal(view.localOriginSuccessRateAverage, -1);
  const text = renderClustersText([c], outlierAdminView);
  assert.match(text, /^svc::outlier::success_rate_average::90$/m);
  assert.match(text, /^svc::outlier::success_rate_ejection_threshold::52$/m);
  assert.match(text, /^svc::127\.0\.0\.2:80::success_rate::100$/m);
  assert.match(text, /^svc::127\.0\.0\.1:80::health_flags::\/failed_outlier_check$/m);
  // Not enough volume in the next interval: nothing computed.
  clock.advance(10_000);
  assert.equal(outlierAdminView(c)!.successRateAverage, -1);
  cm.destroy();
});

test('failure-percentage ejection when enforced; too few hosts means no sweep', async () => {
  const { clock, cm, hs, ctr, codes } = await setup({ max_ejection_percent: 100, consecutive_5xx: 1000,
    enforcing_success_rate: 0, enforcing_failure_percentage: 100, failure_percentage_minimum_hosts: 3,
    failure_percentage_request_volume: 20 }, 3);
  codes(hs[0], 500, 18);
  codes(hs[0], 200, 2);
  codes(hs[1], 200, 20);
  codes(hs[2], 500, 5);
  codes(hs[2], 200, 15);
  clock.advance(10_000);
  assert.equal(healthFlagsToString(hs[0].healthFlags), '/failed_outlier_check', '90% failures >= 85%');
  assert.equal(hs[2].healthFlags, 0);
  assert.equal(ctr('ejections_enforced_failure_percentage'), 1);
  cm.destroy();

  const few = await setup({ max_ejection_percent: 100, consecutive_5xx: 1000, enforcing_failure_percentage: 100 }, 3);
  few.codes(few.hs[0], 500, 100);
  few.clock.advance(10_000);
  assert.equal(few.hs[0].healthFlags, 0, 'failure_percentage_minimum_hosts defaults to 5');
  few.cm.destroy();
});

test('an ejected host removed by an EDS update leaves ejections_active', async () => {
  const { cm, c, hs, codes, active } = await setup({ max_ejection_percent: 100 });
  codes(hs[0], 500, 5);
  assert.equal(active(), 1);
  c.setHosts(hs.slice(1));
  assert.equal(active(), 0);
  cm.destroy();
});

test('a passing active health check brings an ejected host back', async () => {
  const { cm, c, hs, codes, active } = await setup({ max_ejection_percent: 100 }, 3, {
    health_checks: [{ timeout: '1s', interval: '1s', unhealthy_threshold: 1, healthy_threshold: 1,
      tcp_health_check: {} }],
  });
  // The manual clock never fires checks; the test plays the checker's part for one host.
  const session = c.healthChecker!.session(hs[0])!;
  session.handleSuccess(false);
  codes(hs[0], 500, 5);
  assert.equal(healthFlagsToString(hs[0].healthFlags), '/failed_outlier_check');
  session.handleSuccess(false);
  assert.equal(hs[0].healthFlags, 0);
  assert.equal(active(), 0);
  cm.destroy();
});

test('max_ejection_time below base_ejection_time is a config error', () => {
  const errs = clusterConfigErrors(clusterFromJson(staticCluster('bad', ['127.0.0.1:1'], {
    outlier_detection: { base_ejection_time: '60s', max_ejection_time: '10s' } })));
  assert.deepEqual(errs.map((e) => [e.path, e.message]), [[['outlier_detection'],
    "outlier detector's max_ejection_time cannot be smaller than base_ejection_time"]]);
});
