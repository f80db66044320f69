// The active health checking state machine on simulated time: first check, thresholds, network vs
// active failures, timeouts, edge and no-traffic intervals, flags, stats, and waiting for the first round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { registry } from '../../../xds/registry.js';
import { StatsStore } from '../../stats/store.js';
import { HostImpl } from '../host.js';
import { HealthFlag } from '../types.js';
import { healthFlagsToString } from '../../admin/clusters.js';
import { ManualClock } from './clock.js';
import { parseHealthChecks, type HealthCheckSettings } from './health-check-config.js';
import { FailureType, HealthCheckSession, HealthChecker, type HealthCheckerOwner } from './health-checker.js';

/** A session whose checks the test answers by hand. */
class ScriptedSession extends HealthCheckSession {
  sent = 0;
  timeouts = 0;
  stoppedConn = false;
  protected onInterval(): void {
    this.sent++;
  }
  protected onTimeout(): void {
    this.timeouts++;
  }
  protected onStop(): void {
    this.stoppedConn = true;
  }
}

class Owner implements HealthCheckerOwner {
  readonly clusterName = 'svc';
  readonly connectTimeoutMs = 1000;
  changes = 0;
  traffic = false;
  onHostHealthChanged(): void {
    this.changes++;
  }
  hasTraffic(): boolean {
    return this.traffic;
  }
}

function settings(extra: Record<string, unknown> = {}): HealthCheckSettings {
  const config = fromJson(ClusterSchema, {
    name: 'svc',
    health_checks: [{ timeout: '1s', interval: '5s', unhealthy_threshold: 3, healthy_threshold: 2,
      no_traffic_interval: '60s', http_health_check: { path: '/health' }, ...extra }],
  }, { registry });
  const errors: { path: unknown; message: string }[] = [];
  const s = parseHealthChecks(config, 'HTTP/1.1', errors as never);
  assert.deepEqual(errors, []);
  return s!;
}

function setup(extra: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const owner = new Owner();
  const store = new StatsStore();
  const sessions: ScriptedSession[] = [];
  const checker = new HealthChecker(settings(extra), store.scope('cluster.svc'), owner, clock, () => 0, (c, h) => {
    const s = new ScriptedSession(c, h);
    sessions.push(s);
    return s;
  });
  const host = new HostImpl({ address: '127.0.0.1', port: 8080, hostname: '', weight: 1, priority: 0,
    locality: { region: '', zone: '', subZone: '' }, healthFlags: HealthFlag.FailedActiveHc });
  const stat = (n: string): number => (store.counters.get(`cluster.svc.health_check.${n}`)
    ?? store.gauges.get(`cluster.svc.health_check.${n}`))!.value;
  return { clock, owner, store, checker, host, sessions, stat };
}

test('the first check passes at once; later checks follow no_traffic_interval until there is traffic', () => {
  const { clock, owner, checker, host, sessions, stat } = setup();
  checker.onHostsChanged([host], []);
  checker.start();
  const s = sessions[0];
  assert.equal(s.sent, 1, 'first check at start (no initial_jitter)');
  assert.equal(stat('attempt'), 1);
  s.handleSuccess(false);
  assert.equal(host.healthFlags, 0, 'healthy after one pass despite healthy_threshold 2');
  assert.equal(stat('healthy'), 1);
  assert.equal(stat('success'), 1);
  assert.equal(owner.changes, 1);
  clock.advance(59_999);
  assert.equal(s.sent, 1);
  clock.advance(1);
  assert.equal(s.sent, 2, 'no_traffic_interval (60 s) while the cluster never connected');
  owner.traffic = true;
  s.handleSuccess(false);
  clock.advance(5000);
  assert.equal(s.sent, 3, 'interval (5 s) once there is traffic');
  checker.stop();
  assert.equal(stat('healthy'), 0);
  assert.equal(s.stoppedConn, true);
  assert.equal(clock.pending, 0, 'no timer left behind');
});

test('an unexpected answer fails at once; network failures need unhealthy_threshold', () => {
  const { owner, checker, host, sessions, stat } = setup();
  owner.traffic = true;
  checker.onHostsChanged([host], []);
  checker.start();
  const s = sessions[0];
  s.handleSuccess(false);
  s.handleFailure(FailureType.Network, false);
  s.handleFailure(FailureType.Network, false);
  assert.equal(host.healthFlags & HealthFlag.FailedActiveHc, 0, 'two of three network failures');
  s.handleFailure(FailureType.Network, false);
  assert.equal(healthFlagsToString(host.healthFlags), '/failed_active_hc');
  assert.equal(stat('network_failure'), 3);
  assert.equal(stat('failure'), 3);
  assert.equal(stat('healthy'), 0);
  // Recovery needs healthy_threshold passes.
  s.handleSuccess(false);
  assert.equal(healthFlagsToString(host.healthFlags), '/failed_active_hc');
  s.handleSuccess(false);
  assert.equal(host.healthFlags, 0);
  // An active failure (e.g. 503) does not wait; a retriable one does.
  s.handleFailure(FailureType.Active, true);
  assert.equal(host.healthFlags, 0);
  s.handleFailure(FailureType.Active, false);
  assert.equal(healthFlagsToString(host.healthFlags), '/failed_active_hc');
  assert.equal(stat('network_failure'), 3, 'active failures are not network failures');
  checker.stop();
});

test('timeouts count as network failures and flag /active_hc_timeout once failed', () => {
  const { clock, owner, checker, host, sessions, stat } = setup({ unhealthy_threshold: 2 });
  owner.traffic = true;
  checker.onHostsChanged([host], []);
  checker.start();
  const s = sessions[0];
  s.handleSuccess(false);
  clock.advance(5000);
  clock.advance(1000);
  assert.equal(s.timeouts, 1);
  assert.equal(host.healthFlags, 0, 'one timeout is below the threshold');
  // ChangePending: the next check comes after unhealthy_edge_interval (= interval here).
  clock.advance(5000 + 1000);
  assert.equal(s.timeouts, 2);
  assert.equal(healthFlagsToString(host.healthFlags), '/failed_active_hc/active_hc_timeout');
  assert.equal(stat('network_failure'), 2);
  // A non-timeout failure clears the timeout flag; a pass clears both.
  s.handleFailure(FailureType.Active, false);
  assert.equal(healthFlagsToString(host.healthFlags), '/failed_active_hc');
  checker.stop();
});

test('edge intervals: unhealthy_interval, unhealthy_edge_interval and healthy_edge_interval', () => {
  const { clock, owner, checker, host, sessions } = setup({ unhealthy_interval: '20s', unhealthy_edge_interval: '2s',
    healthy_edge_interval: '1s' });
  owner.traffic = true;
  checker.onHostsChanged([host], []);
  checker.start();
  const s = sessions[0];
  s.handleFailure(FailureType.Active, false);
  clock.advance(19_999);
  assert.equal(s.sent, 1);
  clock.advance(1);
  assert.equal(s.sent, 2, 'unhealthy host: unhealthy_interval');
  s.handleSuccess(false);
  clock.advance(1000);
  assert.equal(s.sent, 3, 'one of two passes: healthy_edge_interval');
  s.handleSuccess(false);
  assert.equal(host.healthFlags, 0);
  clock.advance(4999);
  assert.equal(s.sent, 3);
  clock.advance(1);
  assert.equal(s.sent, 4, 'healthy: interval');
  s.handleFailure(FailureType.Network, false);
  clock.advance(2000);
  assert.equal(s.sent, 5, 'one of three network failures: unhealthy_edge_interval');
  checker.stop();
});

test('x-envoy-degraded, pending_active_hc and immediate health check failure set their flags', () => {
  const { checker, host, sessions, stat, owner } = setup();
  host.healthFlags |= HealthFlag.PendingActiveHc;
  checker.onHostsChanged([host], []);
  checker.start();
  const s = sessions[0];
  s.handleSuccess(true);
  assert.equal(healthFlagsToString(host.healthFlags), '/degraded_active_hc');
  assert.equal(stat('degraded'), 1);
  s.handleSuccess(false);
  assert.equal(host.healthFlags, 0);
  assert.equal(stat('degraded'), 0);
  const before = owner.changes;
  host.healthChecker.setUnhealthyImmediate();
  assert.equal(healthFlagsToString(host.healthFlags), '/failed_active_hc/excluded_via_immediate_hc_fail');
  assert.equal(stat('passive_failure'), 1);
  assert.ok(owner.changes > before);
  s.handleSuccess(false);
  s.handleSuccess(false);
  assert.equal(host.healthFlags, 0, 'passing again clears the exclusion');
  checker.stop();
});

test('initialChecks waits for every host first result; removing a host ends its session', async () => {
  const { checker, sessions, stat } = setup();
  const mk = (port: number) => new HostImpl({ address: '127.0.0.1', port, hostname: '', weight: 1, priority: 0,
    locality: { region: '', zone: '', subZone: '' }, healthFlags: HealthFlag.FailedActiveHc });
  const a = mk(1);
  const b = mk(2);
  checker.onHostsChanged([a, b], []);
  checker.start();
  let done = false;
  const wait = checker.initialChecks().then(() => {
    done = true;
  });
  sessions[0].handleFailure(FailureType.Active, false);
  await Promise.resolve();
  assert.equal(done, false);
  sessions[1].handleSuccess(false);
  await wait;
  assert.equal(stat('healthy'), 1);
  checker.onHostsChanged([], [b]);
  assert.equal(sessions[1].stopped, true);
  assert.equal(stat('healthy'), 0);
  checker.stop();
});

test('config errors carry field paths and Envoy messages', () => {
  const errs = (hc: unknown[], extra: Record<string, unknown> = {}): string[] => {
    const config = fromJson(ClusterSchema, { name: 'svc', health_checks: hc, ...extra } as never, { registry });
    const errors: { path: (string | number)[]; message: string }[] = [];
    parseHealthChecks(config, 'HTTP/1.1', errors as never);
    return errors.map((e) => `${e.path.join('.')}: ${e.message}`);
  };
  const base = { timeout: '1s', interval: '1s', unhealthy_threshold: 1, healthy_threshold: 1 };
  assert.deepEqual(errs([{ ...base, tcp_health_check: {} }, { ...base, tcp_health_check: {} }]),
    ['health_checks: Multiple health checks not supported']);
  assert.deepEqual(errs([{ ...base, tcp_health_check: { send: { text: 'zz' } } }]),
    ["health_checks.0.tcp_health_check.send.text: invalid hex string 'zz'"]);
  assert.deepEqual(errs([{ ...base, http_health_check: { path: '/h', expected_statuses: [{ start: 200, end: 200 }] } }]),
    ['health_checks.0.http_health_check.expected_statuses.0: Invalid http expected status range: expecting start < end, '
      + 'but found start=200 and end=200']);
  assert.deepEqual(errs([{ ...base, grpc_health_check: {} }]),
    ['health_checks.0.grpc_health_check: svc cluster must support HTTP/2 for gRPC healthchecking']);
  assert.deepEqual(errs([{ timeout: '1s', interval: '1s', healthy_threshold: 1, http_health_check: { path: '/h' } }]),
    ['health_checks.0.unhealthy_threshold: value is required']);
  assert.deepEqual(errs([{ ...base, http_health_check: { path: '/h', send: { text: '00' } } }]),
    ["health_checks.0.http_health_check.send: HTTP health check cannot specify a request payload with method 'GET'. "
      + 'Only methods that support a request body (POST, PUT, PATCH, OPTIONS) can be used with payload.']);
});
