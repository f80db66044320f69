// DNS cluster tests: STRICT_DNS and LOGICAL_DNS against the system resolver (localhost), lookup
// families, and refresh behaviour with a scripted resolver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { resolveName, type LookupFn } from './dns-resolver.js';
import { managerFor } from './test-support.js';

function dnsCluster(name: string, type: string, hosts: readonly string[], extra: Record<string, JsonValue> = {}):
  JsonValue {
  return {
    name, type,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: hosts.map((h) => ({
      endpoint: { address: { socket_address: { address: h, port_value: 8080 } } } })) }] },
    ...extra,
  };
}

test('STRICT_DNS resolves localhost (V4_ONLY) to 127.0.0.1 before the manager resolves', async () => {
  const { cm, stats } = await managerFor([dnsCluster('sd', 'STRICT_DNS', ['localhost'], { dns_lookup_family: 'V4_ONLY' })]);
  const c = cm.get('sd')!;
  try {
    assert.equal(c.info.type, 'STRICT_DNS');
    const hosts = c.hostsByPriority[0];
    assert.ok(hosts.length >= 1);
    assert.equal(hosts[0].address, '127.0.0.1');
    assert.equal(hosts[0].port, 8080);
    assert.equal(hosts[0].hostname, 'localhost');
    assert.equal(c.chooseHost({ head: undefined as never })!.key, '127.0.0.1:8080');
    assert.equal(stats.gauges.get('cluster.sd.membership_total')!.value, hosts.length);
    assert.equal(stats.counters.get('cluster.sd.update_success')!.value, 1);
  } finally {
    cm.destroy();
  }
});

test('LOGICAL_DNS has one host: first address, hostname is the DNS name', async () => {
  const { cm } = await managerFor([dnsCluster('ld', 'LOGICAL_DNS', ['localhost'], { dns_lookup_family: 'V4_ONLY' })]);
  try {
    const hosts = cm.get('ld')!.hostsByPriority[0];
    assert.equal(hosts.length, 1);
    assert.equal(hosts[0].address, '127.0.0.1');
    assert.equal(hosts[0].hostname, 'localhost');
  } finally {
    cm.destroy();
  }
});

test('LOGICAL_DNS with two endpoints is a config error', async () => {
  await assert.rejects(managerFor([dnsCluster('ld', 'LOGICAL_DNS', ['a.test', 'b.test'])]),
    /\.static_resources\.clusters\[0\]\.load_assignment: LOGICAL_DNS clusters must have a single/);
});

test('lookup families: AUTO prefers IPv6, V4_PREFERRED IPv4, ALL both; fallbacks when a family is empty', async () => {
  const table: Record<number, string[]> = { 4: ['10.0.0.1'], 6: ['fd00::1'], 0: ['10.0.0.1', 'fd00::1'] };
  const lookup: LookupFn = async (_n, f) => table[f];
  assert.deepEqual(await resolveName('x', 'AUTO', lookup), ['fd00::1']);
  assert.deepEqual(await resolveName('x', 'V4_PREFERRED', lookup), ['10.0.0.1']);
  assert.deepEqual(await resolveName('x', 'V4_ONLY', lookup), ['10.0.0.1']);
  assert.deepEqual(await resolveName('x', 'V6_ONLY', lookup), ['fd00::1']);
  assert.deepEqual(await resolveName('x', 'ALL', lookup), ['10.0.0.1', 'fd00::1']);
  const v4only: LookupFn = async (_n, f) => {
    if (f === 6) throw Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' });
    return ['10.0.0.2'];
  };
  assert.deepEqual(await resolveName('x', 'AUTO', v4only), ['10.0.0.2']);
  await assert.rejects(resolveName('x', 'V6_ONLY', v4only), /ENOTFOUND/);
  assert.deepEqual(await resolveName('127.0.0.9', 'V4_ONLY', v4only), ['127.0.0.9']);
});

test('STRICT_DNS refreshes every dns_refresh_rate, keeps hosts on failure, counts membership changes', async () => {
  const answers: (string[] | Error)[] = [['10.1.0.1'], ['10.1.0.1'], ['10.1.0.1', '10.1.0.2'], new Error('SERVFAIL'),
    ['10.1.0.2']];
  let calls = 0;
  const lookup: LookupFn = async () => {
    const a = answers[Math.min(calls++, answers.length - 1)];
    if (a instanceof Error) throw a;
    return a;
  };
  const { cm, stats } = await managerFor([dnsCluster('r', 'STRICT_DNS', ['svc.test'],
    { dns_refresh_rate: '0.02s', dns_lookup_family: 'V4_ONLY' })], { lookup });
  const c = cm.get('r')!;
  try {
    const first = c.hostsByPriority[0][0];
    assert.equal(first.key, '10.1.0.1:8080');
    const deadline = Date.now() + 3000;
    while (calls < answers.length + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(c.hostsByPriority[0].map((h) => h.key), ['10.1.0.2:8080']);
    const n = (k: string): number => stats.counters.get(`cluster.r.${k}`)!.value;
    // Initial population, the added address, then the removed one.
    assert.equal(n('membership_change'), 3);
    assert.ok(n('update_no_rebuild') >= 1);
    assert.equal(n('update_failure'), 1);
    assert.ok(n('update_attempt') >= 5);
  } finally {
    cm.destroy();
  }
  const after = calls;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(calls, after, 'no lookups after destroy');
});
