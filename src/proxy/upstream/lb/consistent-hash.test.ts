// RING_HASH and MAGLEV tests: Envoy's own expected rings and tables (ring_hash_lb_test.cc,
// maglev_lb_test.cc), weights, stability, consistency when a host leaves, priorities and retries
// through the shared LoadBalancer, and the config checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PathError } from '../../bootstrap/config-error.js';
import { StatsStore } from '../../stats/store.js';
import { ClusterStatsImpl } from '../cluster-stats.js';
import { HostImpl } from '../host.js';
import { PrioritySet } from '../priority-set.js';
import { clusterFromJson, staticCluster } from '../test-support.js';
import { HealthFlag, type LoadBalancerContext } from '../types.js';
import { consistentHashPickerFactory } from './hash-lb-config.js';
import { LoadBalancer } from './load-balancer.js';
import { buildMaglevTable, isPrime, maglevFactory } from './maglev.js';
import { buildRing, ringHashFactory, type RingHashSettings } from './ring-hash.js';
import type { HashPicker, PickerFactory } from './types.js';

function host(port: number, weight = 1, priority = 0): HostImpl {
  return new HostImpl({ address: '127.0.0.1', port, hostname: '', weight, priority,
    locality: { region: '', zone: '', subZone: '' }, healthFlags: 0 });
}

/** Hosts 127.0.0.1:90 .. :95, as Envoy's tests use. */
function sixHosts(): HostImpl[] {
  return [90, 91, 92, 93, 94, 95].map((p) => host(p));
}

function words(k: bigint): [number, number] {
  return [Number(k >> 32n), Number(k & 0xffffffffn)];
}

function pickKey(p: HashPicker, key: bigint, attempt = 0): HostImpl {
  const [h, l] = words(key);
  return p.pickByHash(h, l, attempt);
}

function ringSettings(min: number, max = 8388608, murmur = false): RingHashSettings {
  return { minRingSize: min, maxRingSize: max, murmur, useHostname: false };
}

function balancer(hosts: HostImpl[], factory: PickerFactory) {
  const ps = new PrioritySet();
  ps.update(hosts);
  const stats = new ClusterStatsImpl(new StatsStore().scope('cluster.t'));
  const lb = new LoadBalancer(ps, factory, { panicThreshold: 50, failTrafficOnPanic: false, overprovisioningFactor: 140 },
    stats);
  return { ps, lb, stats };
}

const HEAD = { method: 'GET', path: '/', authority: 'a', scheme: 'http', protocol: 'HTTP/1.1' as const,
  headers: undefined as never };

function ctx(hashKey: bigint | undefined, extra: Partial<LoadBalancerContext> = {}): LoadBalancerContext {
  return { head: HEAD, hashKey, ...extra };
}

/** Deterministic 64-bit keys (splitmix64). */
function keys(n: number): bigint[] {
  const out: bigint[] = [];
  let x = 0x1234567n;
  for (let i = 0; i < n; i++) {
    x = BigInt.asUintN(64, x + 0x9e3779b97f4a7c15n);
    let z = x;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    out.push(z ^ (z >> 31n));
  }
  return out;
}

const MAX_U64 = 0xffffffffffffffffn;

test("ring: Envoy's Basic ring of 6 hosts with minimum_ring_size 12", () => {
  const hosts = sixHosts();
  const store = new StatsStore();
  const scope = store.scope('cluster.c.ring_hash_lb');
  const stats = { size: scope.gauge('size'), min_hashes_per_host: scope.gauge('min_hashes_per_host'),
    max_hashes_per_host: scope.gauge('max_hashes_per_host') };
  const ring = buildRing(hosts, ringSettings(12), stats);
  assert.equal(stats.size.value, 12);
  assert.equal(stats.min_hashes_per_host.value, 2);
  assert.equal(stats.max_hashes_per_host.value, 2);
  // Envoy's table: :94 833437586790550860 ... :90 16117243373044804889.
  assert.equal(pickKey(ring, 0n), hosts[4]);
  assert.equal(pickKey(ring, MAX_U64), hosts[4]);
  assert.equal(pickKey(ring, 3551244743356806947n), hosts[5]);
  assert.equal(pickKey(ring, 3551244743356806948n), hosts[3]);
  assert.equal(pickKey(ring, 16117243373044804880n), hosts[0]);
  assert.equal(pickKey(ring, 13444792449719432967n), hosts[2]);
});

test("ring: MURMUR_HASH_2 gives Envoy's BasicWithMurmur2 ring", () => {
  const hosts = [80, 81, 82, 83, 84, 85].map((p) => host(p));
  const ring = buildRing(hosts, ringSettings(12, 8388608, true), null);
  assert.equal(pickKey(ring, 0n), hosts[5]);
  assert.equal(pickKey(ring, MAX_U64), hosts[5]);
  assert.equal(pickKey(ring, 1358027074129602068n), hosts[5]);
  assert.equal(pickKey(ring, 1358027074129602069n), hosts[3]);
  assert.equal(pickKey(ring, 10150910876324007730n), hosts[2]);
});

test('ring: weights 1/2/3 on a ring of exactly 6 give 1, 2 and 3 entries (HostWeightedTinyRing)', () => {
  const hosts = [host(90, 1), host(91, 2), host(92, 3)];
  const store = new StatsStore();
  const scope = store.scope('r');
  const stats = { size: scope.gauge('size'), min_hashes_per_host: scope.gauge('min'), max_hashes_per_host: scope.gauge('max') };
  const ring = buildRing(hosts, ringSettings(6, 6), stats);
  assert.deepEqual([stats.size.value, stats.min_hashes_per_host.value, stats.max_hashes_per_host.value], [6, 1, 3]);
  const expected: [bigint, number][] = [[928266305478181108n, 2], [4443673547860492590n, 2], [5583722120771150861n, 1],
    [6311230543546372928n, 1], [13444792449719432967n, 2], [16117243373044804889n, 0]];
  for (const [k, i] of expected) assert.equal(pickKey(ring, k), hosts[i], String(k));
});

test('ring: two hosts and minimum_ring_size 3 make a ring of 4 (UnevenHosts)', () => {
  const hosts = [host(80), host(81)];
  const ring = buildRing(hosts, ringSettings(3), null);
  assert.equal(pickKey(ring, 0n), hosts[0]);
  const next = [host(81), host(82)];
  assert.equal(pickKey(buildRing(next, ringSettings(3), null), 0n), next[0]);
});

test('ring: built deterministically; the same key always picks the same host, whatever the host order', () => {
  const hosts = sixHosts();
  const a = buildRing(hosts, ringSettings(1024), null);
  const b = buildRing([...hosts].reverse(), ringSettings(1024), null);
  for (const k of keys(2000)) {
    const first = pickKey(a, k);
    assert.equal(pickKey(a, k), first);
    assert.equal(pickKey(b, k), first);
  }
});

test('ring: keys spread over 3 hosts by weight 1/2/3', () => {
  const hosts = [host(90, 1), host(91, 2), host(92, 3)];
  const ring = buildRing(hosts, ringSettings(1024), null);
  const count = new Map<HostImpl, number>();
  const ks = keys(30000);
  for (const k of ks) count.set(pickKey(ring, k), (count.get(pickKey(ring, k)) ?? 0) + 1);
  for (const [i, share] of [[0, 1 / 6], [1, 2 / 6], [2, 3 / 6]]) {
    const got = (count.get(hosts[i]) ?? 0) / ks.length;
    assert.ok(Math.abs(got - share) < 0.03, `host ${i}: ${got.toFixed(3)} vs ${share.toFixed(3)}`);
  }
});

/** Share of keys that change host when hosts[removed] leaves, among keys that were on other hosts. */
function remapped(build: (hosts: HostImpl[]) => HashPicker, hosts: HostImpl[], removed: number) {
  const before = build(hosts);
  const after = build(hosts.filter((_, i) => i !== removed));
  let kept = 0;
  let moved = 0;
  for (const k of keys(20000)) {
    const was = pickKey(before, k);
    const now = pickKey(after, k);
    assert.notEqual(now, hosts[removed]);
    if (was === hosts[removed]) continue;
    if (now === was) kept++;
    else moved++;
  }
  return moved / (kept + moved);
}

test('ring: removing a host moves its keys; other keys move only as the ring re-scales', () => {
  const hosts = [90, 91, 92, 93].map((p) => host(p));
  // A ring fixed at 4096 entries (min = max): each remaining host keeps its entries and gains
  // new ones, which take a share of keys proportional to what they add (1/4 of the ring here).
  const fixed = remapped((h) => buildRing(h, ringSettings(4096, 4096), null), hosts, 2);
  assert.ok(fixed < 0.2, `fixed ring: ${fixed}`);
  // The default ring grows each survivor from 256 to 342 entries (a modulo hash would move 3/4).
  const big = remapped((h) => buildRing(h, ringSettings(1024), null), hosts, 1);
  assert.ok(big < 0.2, `default ring: ${big}`);
});

test('ring: with as many entries per host before and after, only the removed host\'s keys move', () => {
  // min = max pins the ring size: 256 entries for 4 hosts and 192 for 3 are 64 per host both
  // times, so the survivors keep exactly their entries ("<address>_0" .. "_63").
  const hosts = [host(90, 1), host(91, 1), host(92, 1), host(93, 1)];
  const settings = ringSettings(256, 256);
  const r4 = buildRing(hosts, settings, null);
  const r3 = buildRing(hosts.slice(0, 3), ringSettings(192, 192), null);
  let moved = 0;
  for (const k of keys(20000)) {
    const was = pickKey(r4, k);
    if (was !== hosts[3] && pickKey(r3, k) !== was) moved++;
  }
  assert.equal(moved, 0);
});

test("maglev: Envoy's Basic table of size 7, stable under host order", () => {
  const hosts = sixHosts();
  const store = new StatsStore();
  const scope = store.scope('cluster.c.maglev_lb');
  const stats = { min_entries_per_host: scope.gauge('min_entries_per_host'),
    max_entries_per_host: scope.gauge('max_entries_per_host') };
  const expected = [2, 4, 0, 1, 5, 0, 3];
  const table = buildMaglevTable(hosts, 7, false, stats);
  assert.equal(stats.min_entries_per_host.value, 1);
  assert.equal(stats.max_entries_per_host.value, 2);
  const shuffled = buildMaglevTable([hosts[3], hosts[0], hosts[5], hosts[1], hosts[4], hosts[2]], 7, false, null);
  for (let i = 0; i < 21; i++) {
    assert.equal(pickKey(table, BigInt(i)), hosts[expected[i % 7]], `slot ${i}`);
    assert.equal(pickKey(shuffled, BigInt(i)), hosts[expected[i % 7]], `shuffled slot ${i}`);
  }
});

test("maglev: Envoy's Weighted table (weights 1 and 2, size 17) and retries (BasicWithRetryHostPredicate)", () => {
  const hosts = [host(90, 1), host(91, 2)];
  const store = new StatsStore();
  const stats = { min_entries_per_host: store.gauge('min'), max_entries_per_host: store.gauge('max') };
  const table = buildMaglevTable(hosts, 17, false, stats);
  assert.deepEqual([stats.min_entries_per_host.value, stats.max_entries_per_host.value], [6, 11]);
  const expected = [1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1];
  for (let i = 0; i < 17; i++) assert.equal(pickKey(table, BigInt(i)), hosts[expected[i]], `slot ${i}`);

  const six = sixHosts();
  const t7 = buildMaglevTable(six, 7, false, null);
  assert.equal(pickKey(t7, 10n, 0), six[1]);
  assert.equal(pickKey(t7, 10n, 1), six[0]);
  assert.equal(pickKey(t7, 10n, 2), six[5]);
});

test('maglev: one host takes every slot (degenerate table, 1 entry in the stats)', () => {
  const h = host(90, 7);
  const store = new StatsStore();
  const stats = { min_entries_per_host: store.gauge('min'), max_entries_per_host: store.gauge('max') };
  const table = buildMaglevTable([h], 17, false, stats);
  for (let i = 0; i < 17; i++) assert.equal(pickKey(table, BigInt(i)), h);
  assert.deepEqual([stats.min_entries_per_host.value, stats.max_entries_per_host.value], [1, 1]);
});

test('maglev: a 65537 table is full and shared evenly (counts differ by at most one); few keys move when a host leaves', () => {
  const hosts = [90, 91, 92, 93, 94].map((p) => host(p));
  const store = new StatsStore();
  const stats = { min_entries_per_host: store.gauge('min'), max_entries_per_host: store.gauge('max') };
  const table = buildMaglevTable(hosts, 65537, false, stats);
  assert.deepEqual([stats.min_entries_per_host.value, stats.max_entries_per_host.value], [13107, 13108]);
  const count = new Map<HostImpl, number>();
  for (let i = 0; i < 65537; i++) {
    const h = pickKey(table, BigInt(i));
    count.set(h, (count.get(h) ?? 0) + 1);
  }
  assert.equal([...count.values()].reduce((a, b) => a + b, 0), 65537);
  assert.equal(count.size, 5);
  const moved = remapped((h) => buildMaglevTable(h, 65537, false, null), hosts, 2);
  assert.ok(moved < 0.05, `maglev moved ${moved}`);
});

test('isPrime', () => {
  assert.deepEqual([2, 3, 7, 17, 65537, 5000011].map(isPrime), [true, true, true, true, true, true]);
  assert.deepEqual([0, 1, 8, 9, 65535, 5000012].map(isPrime), [false, false, false, false, false, false]);
});

test('load balancer: RING_HASH picks by the context hash; without one it spreads at random', () => {
  const hosts = sixHosts();
  const { lb } = balancer(hosts, ringHashFactory(ringSettings(12), null));
  assert.equal(lb.chooseHost(ctx(0n)), hosts[4]);
  assert.equal(lb.chooseHost(ctx(3551244743356806947n)), hosts[5]);
  // A negative bigint is taken as its 64-bit two's complement, as a uint64_t would be.
  assert.equal(lb.chooseHost(ctx(-1n)), lb.chooseHost(ctx(MAX_U64)));
  const seen = new Set<HostImpl | null>();
  for (let i = 0; i < 300; i++) seen.add(lb.chooseHost(ctx(undefined)));
  assert.equal(seen.size, 6);
  for (let i = 0; i < 50; i++) seen.add(lb.chooseHost(null));
  assert.equal(seen.size, 6);
});

test('load balancer: retries with previous_hosts walk the ring (Envoy: next entry per attempt)', () => {
  const hosts = sixHosts();
  const { lb } = balancer(hosts, ringHashFactory(ringSettings(12), null));
  const avoid = (prev: HostImpl[], attempts: number) => ctx(0n, { previousHosts: prev, avoidPreviousHosts: true,
    hostSelectionRetryMaxAttempts: attempts });
  assert.equal(lb.chooseHost(avoid([hosts[1]], 2)), hosts[4]);
  assert.equal(lb.chooseHost(avoid([hosts[4]], 2)), hosts[2]);
  // Every host is "previous": attempts 0, 1, 2 are :94, :92, :90 and the last one is returned.
  assert.equal(lb.chooseHost(avoid(hosts, 2)), hosts[0]);
  assert.equal(lb.chooseHost(avoid(hosts, 13)), hosts[2]);
  // Without the predicate the previous host is picked again.
  assert.equal(lb.chooseHost(ctx(0n, { previousHosts: [hosts[4]] })), hosts[4]);
});

test('load balancer: unhealthy hosts leave the ring; all unhealthy is panic over every host', () => {
  const hosts = sixHosts();
  const { ps, lb, stats } = balancer(hosts, ringHashFactory(ringSettings(12), null));
  hosts[4].healthFlags = HealthFlag.FailedActiveHc;
  ps.refreshHealth();
  lb.rebuild();
  // 5 of 6 healthy: not panic; hash 0 now lands on the next entry, :92.
  assert.equal(lb.chooseHost(ctx(0n)), hosts[2]);
  assert.equal(stats.lb_healthy_panic.value, 0);
  for (const h of hosts) h.healthFlags = HealthFlag.FailedActiveHc;
  ps.refreshHealth();
  lb.rebuild();
  assert.equal(lb.chooseHost(ctx(0n)), hosts[4]);
  assert.equal(stats.lb_healthy_panic.value, 1);
});

test('load balancer: the hash picks the priority (hash % 100 against 70/30), as Envoy BasicFailover', () => {
  const p0 = [host(80, 1, 0), host(81, 1, 0)];
  const p1 = [host(82, 1, 1)];
  const { ps, lb } = balancer([...p0, ...p1], maglevFactory(7, false, null));
  assert.equal(lb.chooseHost(ctx(71n))!.priority, 0);
  p0[1].healthFlags = HealthFlag.FailedOutlierCheck;
  ps.refreshHealth();
  lb.rebuild();
  assert.equal(lb.chooseHost(ctx(69n)), p0[0]);
  assert.equal(lb.chooseHost(ctx(71n)), p1[0]);
  assert.equal(lb.chooseHost(ctx(171n)), p1[0]);
  p0[0].healthFlags = HealthFlag.FailedOutlierCheck;
  ps.refreshHealth();
  lb.rebuild();
  assert.equal(lb.chooseHost(ctx(69n)), p1[0]);
});

test('config: defaults, stats gauges under cluster.<name>, and Envoy\'s errors', () => {
  const store = new StatsStore();
  const errors: PathError[] = [];
  const ringCfg = clusterFromJson(staticCluster('r', ['127.0.0.1:90'], { lb_policy: 'RING_HASH' }));
  const ring = consistentHashPickerFactory(ringCfg, store.scope('cluster.r'), errors)!;
  assert.equal(ring.consistentHash, true);
  ring([host(90), host(91), host(92)]);
  // Default minimum 1024 over 3 hosts: 342 each, 1026 in all.
  assert.equal(store.gauge('cluster.r.ring_hash_lb.size').value, 1026);
  assert.equal(store.gauge('cluster.r.ring_hash_lb.min_hashes_per_host').value, 342);

  const magCfg = clusterFromJson(staticCluster('m', ['127.0.0.1:90'], { lb_policy: 'MAGLEV' }));
  consistentHashPickerFactory(magCfg, store.scope('cluster.m'), errors)!([host(90), host(91)]);
  assert.equal(store.gauge('cluster.m.maglev_lb.min_entries_per_host').value, 32768);
  assert.equal(store.gauge('cluster.m.maglev_lb.max_entries_per_host').value, 32769);
  assert.deepEqual(errors, []);

  const rr = clusterFromJson(staticCluster('x', ['127.0.0.1:90']));
  assert.equal(consistentHashPickerFactory(rr, null, errors), null);

  const bad = clusterFromJson(staticCluster('b', ['127.0.0.1:90'], { lb_policy: 'RING_HASH',
    ring_hash_lb_config: { minimum_ring_size: '20', maximum_ring_size: '10' } }));
  assert.equal(consistentHashPickerFactory(bad, null, errors), null);
  assert.deepEqual(errors.pop(), { path: ['ring_hash_lb_config'],
    message: 'ring hash: minimum_ring_size (20) > maximum_ring_size (10)' });
  const notPrime = clusterFromJson(staticCluster('b', ['127.0.0.1:90'], { lb_policy: 'MAGLEV',
    maglev_lb_config: { table_size: '8' } }));
  assert.equal(consistentHashPickerFactory(notPrime, null, errors), null);
  assert.deepEqual(errors.pop(), { path: ['maglev_lb_config', 'table_size'],
    message: 'The table size of maglev must be prime number' });
  const murmur = clusterFromJson(staticCluster('mm', ['127.0.0.1:90'], { lb_policy: 'RING_HASH',
    ring_hash_lb_config: { minimum_ring_size: '12', hash_function: 'MURMUR_HASH_2' } }));
  const hosts = [80, 81, 82, 83, 84, 85].map((p) => host(p));
  const picker = consistentHashPickerFactory(murmur, null, errors)!(hosts);
  assert.equal(pickKey(picker, 1358027074129602069n), hosts[3]);
});

test('ring and maglev use the hostname when use_hostname_for_hashing is set', () => {
  const named = (port: number, name: string) => new HostImpl({ address: '10.0.0.1', port, hostname: name, weight: 1,
    priority: 0, locality: { region: '', zone: '', subZone: '' }, healthFlags: 0 });
  // Envoy's BasicWithHostname: hostnames "90" .. "95", ring of 12.
  const hosts = [90, 91, 92, 93, 94, 95].map((p) => named(p, String(p)));
  const ring = buildRing(hosts, { ...ringSettings(12), useHostname: true }, null);
  assert.equal(pickKey(ring, 0n), hosts[5]);
  assert.equal(pickKey(ring, 7225015537174310577n), hosts[2]);
  assert.equal(pickKey(ring, 6803900775736438537n), hosts[3]);
  const table = buildMaglevTable(hosts, 7, true, null);
  const expected = [2, 5, 0, 3, 4, 1, 0];
  for (let i = 0; i < 7; i++) assert.equal(pickKey(table, BigInt(i)), hosts[expected[i]]);
});
