// Locality-weighted balancing: traffic splits by locality weight, an unhealthy half of a locality
// scales its weight by the overprovisioning factor, and weight-0 localities take nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from '../../stats/store.js';
import { ClusterStatsImpl } from '../cluster-stats.js';
import { HostImpl } from '../host.js';
import { PrioritySet } from '../priority-set.js';
import { HealthFlag } from '../types.js';
import { LoadBalancer } from './load-balancer.js';
import { effectiveLocalityWeight } from './locality-picker.js';
import { roundRobinPicker } from './round-robin.js';

function host(n: number, zone: string, localityWeight: number): HostImpl {
  return new HostImpl({ address: `10.0.0.${n}`, port: 80, hostname: '', weight: 1, priority: 0,
    locality: { region: 'r', zone, subZone: '' }, localityWeight, healthFlags: 0 });
}

function zoneCounts(hosts: HostImpl[], picks: number): Map<string, number> {
  const ps = new PrioritySet();
  ps.update(hosts);
  const lb = new LoadBalancer(ps, roundRobinPicker, { panicThreshold: 0, failTrafficOnPanic: false,
    overprovisioningFactor: 140, localityWeighted: true }, new ClusterStatsImpl(new StatsStore().scope('cluster.t')));
  const m = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const h = lb.chooseHost(null)!;
    m.set(h.locality.zone, (m.get(h.locality.zone) ?? 0) + 1);
  }
  return m;
}

test('effective weight: weight x min(1, 1.4 x healthy/total)', () => {
  assert.equal(effectiveLocalityWeight(10, 2, 2, 140), 10);
  assert.equal(effectiveLocalityWeight(10, 1, 2, 140), 7);
  assert.equal(effectiveLocalityWeight(10, 0, 2, 140), 0);
  assert.equal(effectiveLocalityWeight(0, 2, 2, 140), 0);
});

test('localities split by weight 1:3, whatever their host counts', () => {
  const c = zoneCounts([host(1, 'a', 1), host(2, 'b', 3), host(3, 'b', 3), host(4, 'b', 3)], 400);
  assert.equal(c.get('a'), 100);
  assert.equal(c.get('b'), 300);
});

test('half of a locality unhealthy: its share drops by the overprovisioning rule; weight 0 gets nothing', () => {
  const hosts = [host(1, 'a', 1), host(2, 'a', 1), host(3, 'b', 1), host(4, 'b', 1), host(5, 'c', 0)];
  hosts[0].healthFlags = HealthFlag.FailedActiveHc;
  // a: 1 x min(1, 1.4 x 1/2) = 0.7; b: 1. So 0.7/1.7 of the picks go to a.
  const c = zoneCounts(hosts, 1700);
  assert.equal(c.get('a'), 700);
  assert.equal(c.get('b'), 1000);
  assert.equal(c.get('c'), undefined);
});
