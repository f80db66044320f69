// Load balancer tests: pick distributions of each policy, priority load with the overprovisioning
// factor, failover to lower priorities, panic mode, and previous-host avoidance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from '../../stats/store.js';
import { ClusterStatsImpl } from '../cluster-stats.js';
import { HostImpl } from '../host.js';
import { PrioritySet } from '../priority-set.js';
import { HealthFlag } from '../types.js';
import { EdfScheduler } from './edf.js';
import { leastRequestFactory } from './least-request.js';
import { LoadBalancer } from './load-balancer.js';
import { inPanic, priorityLoad } from './priority-load.js';
import { randomPicker } from './random.js';
import { roundRobinPicker } from './round-robin.js';
import type { PickerFactory } from './types.js';

function host(n: number, weight = 1, priority = 0): HostImpl {
  return new HostImpl({ address: `10.0.0.${n}`, port: 80, hostname: '', weight, priority,
    locality: { region: '', zone: '', subZone: '' }, healthFlags: 0 });
}

function counts(picks: HostImpl[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const h of picks) m.set(h.key, (m.get(h.key) ?? 0) + 1);
  return m;
}

function pickN(factory: PickerFactory, hosts: HostImpl[], n: number): HostImpl[] {
  const p = factory(hosts);
  return Array.from({ length: n }, () => p.pick());
}

function balancer(hosts: HostImpl[], factory: PickerFactory = roundRobinPicker, panicThreshold = 50) {
  const ps = new PrioritySet();
  ps.update(hosts);
  const stats = new ClusterStatsImpl(new StatsStore().scope('cluster.t'));
  const lb = new LoadBalancer(ps, factory, { panicThreshold, failTrafficOnPanic: false, overprovisioningFactor: 140 },
    stats);
  return { ps, lb, stats };
}

test('EDF scheduler picks in proportion to weight, ties first-in first-out', () => {
  const edf = new EdfScheduler<string>();
  edf.add(1, 'a');
  edf.add(1, 'b');
  edf.add(2, 'c');
  const seq = Array.from({ length: 8 }, () => edf.pickAndAdd((x) => (x === 'c' ? 2 : 1)));
  assert.deepEqual(seq, ['c', 'a', 'b', 'c', 'c', 'a', 'b', 'c']);
});

test('round robin with weights 1/2/3 gives exactly 100/200/300 of 600 picks, interleaved', () => {
  const hosts = [host(1, 1), host(2, 2), host(3, 3)];
  const picks = pickN(roundRobinPicker, hosts, 600);
  const c = counts(picks);
  assert.equal(c.get('10.0.0.1:80'), 100);
  assert.equal(c.get('10.0.0.2:80'), 200);
  assert.equal(c.get('10.0.0.3:80'), 300);
  // Smooth: the heaviest host never takes more than 3 picks in a row.
  let run = 0;
  let maxRun = 0;
  for (const h of picks) {
    run = h === hosts[2] ? run + 1 : 0;
    maxRun = Math.max(maxRun, run);
  }
  assert.ok(maxRun <= 3, `max run ${maxRun}`);
});

test('round robin with equal weights rotates through every host in turn', () => {
  const hosts = [host(1), host(2), host(3), host(4)];
  const picks = pickN(roundRobinPicker, hosts, 12);
  for (let i = 4; i < 12; i++) assert.equal(picks[i], picks[i - 4]);
  assert.equal(new Set(picks.slice(0, 4)).size, 4);
});

test('least request (power of two choices) sends far less to a busy host', () => {
  const hosts = [host(1), host(2), host(3)];
  hosts[0].stats.rq_active = 10;
  const c = counts(pickN(leastRequestFactory(2, 1), hosts, 3000));
  // The busy host is chosen only when both samples land on it: 1/9 of picks (~333), not 1/3 (1000).
  const busy = c.get('10.0.0.1:80') ?? 0;
  assert.ok(busy < 500, `busy host got ${busy}`);
  assert.ok((c.get('10.0.0.2:80') ?? 0) > 1000 && (c.get('10.0.0.3:80') ?? 0) > 1000);
});

test('least request with choice_count 1 is plain random; a larger count avoids the busy host more', () => {
  const hosts = [host(1), host(2), host(3)];
  hosts[0].stats.rq_active = 5;
  const one = counts(pickN(leastRequestFactory(1, 1), hosts, 3000)).get('10.0.0.1:80') ?? 0;
  const five = counts(pickN(leastRequestFactory(5, 1), hosts, 3000)).get('10.0.0.1:80') ?? 0;
  assert.ok(one > 800, `choice 1: ${one}`);
  assert.ok(five < 60, `choice 5: ${five}`);
});

test('weighted least request divides weight by active requests + 1', () => {
  const hosts = [host(1, 2), host(2, 1)];
  // Equal effective weights: 2/(1+1) = 1/(0+1).
  hosts[0].stats.rq_active = 1;
  const c = counts(pickN(leastRequestFactory(2, 1), hosts, 1000));
  assert.ok(Math.abs((c.get('10.0.0.1:80') ?? 0) - 500) <= 2, JSON.stringify([...c]));
  // With bias 0 the active count is ignored: 2:1.
  const c0 = counts(pickN(leastRequestFactory(2, 0), hosts, 900));
  assert.equal(c0.get('10.0.0.1:80'), 600);
});

test('random spreads picks over every host', () => {
  const hosts = [host(1), host(2), host(3), host(4)];
  const c = counts(pickN(randomPicker, hosts, 4000));
  for (const h of hosts) {
    const n = c.get(h.key) ?? 0;
    assert.ok(n > 800 && n < 1200, `${h.key}: ${n}`);
  }
});

test('priority load follows Envoy: overprovisioning 1.4, spill-over, all-unhealthy goes to P0', () => {
  const lvl = (total: number, healthy: number) => ({ total, healthyCount: healthy, degraded: 0 });
  assert.deepEqual(priorityLoad([lvl(4, 4), lvl(2, 2)], 140), [100, 0]);
  // 2 of 4 healthy: health min(100, 140*2/4) = 70; P1 takes the remaining 30.
  assert.deepEqual(priorityLoad([lvl(4, 2), lvl(2, 2)], 140), [70, 30]);
  // 3 of 4 healthy: 105 -> 100.
  assert.deepEqual(priorityLoad([lvl(4, 3), lvl(2, 2)], 140), [100, 0]);
  assert.deepEqual(priorityLoad([lvl(4, 0), lvl(2, 2)], 140), [0, 100]);
  assert.deepEqual(priorityLoad([lvl(4, 0), lvl(2, 0)], 140), [100, 0]);
  // Total health below 100 is normalised: 35 and 35 -> 50/50.
  assert.deepEqual(priorityLoad([lvl(4, 1), lvl(4, 1)], 140), [50, 50]);
  assert.equal(inPanic(lvl(4, 1), 50), true);
  assert.equal(inPanic(lvl(4, 2), 50), false);
  assert.equal(inPanic(lvl(4, 0), 0), false);
});

test('priority failover: with every P0 host unhealthy, traffic goes to P1', () => {
  const p0 = [host(1, 1, 0), host(2, 1, 0)];
  const p1 = [host(3, 1, 1), host(4, 1, 1)];
  const { ps, lb, stats } = balancer([...p0, ...p1]);
  for (let i = 0; i < 50; i++) assert.equal(lb.chooseHost(null)!.priority, 0);
  for (const h of p0) h.healthFlags = HealthFlag.FailedActiveHc;
  ps.refreshHealth();
  lb.rebuild();
  const c = counts(Array.from({ length: 100 }, () => lb.chooseHost(null)!));
  assert.deepEqual([...c.keys()].sort(), ['10.0.0.3:80', '10.0.0.4:80']);
  assert.equal(stats.lb_healthy_panic.value, 0);
});

test('partial P0 health spills part of the traffic to P1 (70/30 with 1 of 2 healthy)', () => {
  const p0 = [host(1, 1, 0), host(2, 1, 0)];
  const { ps, lb } = balancer([...p0, host(3, 1, 1)], roundRobinPicker, 0);
  p0[0].healthFlags = HealthFlag.FailedOutlierCheck;
  ps.refreshHealth();
  lb.rebuild();
  let p1 = 0;
  for (let i = 0; i < 4000; i++) if (lb.chooseHost(null)!.priority === 1) p1++;
  assert.ok(p1 > 1000 && p1 < 1400, `P1 got ${p1} of 4000`);
});

test('panic: below 50% healthy, balance across all hosts and count lb_healthy_panic', () => {
  const hosts = [host(1), host(2), host(3)];
  const { ps, lb, stats } = balancer(hosts);
  hosts[0].healthFlags = HealthFlag.FailedActiveHc;
  hosts[1].healthFlags = HealthFlag.FailedEdsHealth;
  ps.refreshHealth();
  lb.rebuild();
  const c = counts(Array.from({ length: 300 }, () => lb.chooseHost(null)!));
  assert.equal(c.size, 3);
  assert.equal(stats.lb_healthy_panic.value, 300);
  // Two of three healthy (67%) is not panic: only healthy hosts are picked.
  hosts[1].healthFlags = 0;
  ps.refreshHealth();
  lb.rebuild();
  const c2 = counts(Array.from({ length: 100 }, () => lb.chooseHost(null)!));
  assert.deepEqual([...c2.keys()].sort(), ['10.0.0.2:80', '10.0.0.3:80']);
  assert.equal(stats.lb_healthy_panic.value, 300);
});

test('panic threshold 0 disables panic: no healthy host means no host', () => {
  const hosts = [host(1), host(2)];
  const { ps, lb, stats } = balancer(hosts, roundRobinPicker, 0);
  for (const h of hosts) h.healthFlags = HealthFlag.FailedActiveHc;
  ps.refreshHealth();
  lb.rebuild();
  assert.equal(lb.chooseHost(null), null);
  assert.equal(stats.lb_healthy_panic.value, 0);
});

test('previous hosts are avoided only when the retry predicate asks for it', () => {
  const hosts = [host(1), host(2)];
  const { lb } = balancer(hosts, randomPicker);
  const head = { method: 'GET', path: '/', authority: 'a', scheme: 'http', protocol: 'HTTP/1.1' as const,
    headers: undefined as never };
  let same = 0;
  for (let i = 0; i < 200; i++) {
    const h = lb.chooseHost({ head, previousHosts: [hosts[0]], avoidPreviousHosts: true,
      hostSelectionRetryMaxAttempts: 20 });
    if (h === hosts[0]) same++;
  }
  assert.ok(same <= 2, `previous host picked ${same} times`);
  let plain = 0;
  for (let i = 0; i < 200; i++) if (lb.chooseHost({ head, previousHosts: [hosts[0]] }) === hosts[0]) plain++;
  assert.ok(plain > 50, `without the predicate the previous host still gets traffic (${plain})`);
});
