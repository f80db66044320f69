// Route hash_policy tests: header (pseudo-headers, regex_rewrite, several values), cookie (lookup,
// generated cookie with ttl), source IP, query parameter, combination and `terminal`, as Envoy's
// RouterMatcherHashPolicyTest; and keys sent through a RING_HASH balancer stick to one host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import {
  RouteAction_HashPolicySchema, type RouteAction_HashPolicy, type RouteAction_HashPolicy_CookieAttribute,
} from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { registry } from '../../xds/registry.js';
import { StatsStore } from '../stats/store.js';
import { ClusterStatsImpl } from '../upstream/cluster-stats.js';
import { HostImpl } from '../upstream/host.js';
import { xxHash64 } from '../upstream/lb/hash64.js';
import { LoadBalancer } from '../upstream/lb/load-balancer.js';
import { ringHashFactory } from '../upstream/lb/ring-hash.js';
import { PrioritySet } from '../upstream/priority-set.js';
import { RouteConfigError } from './errors.js';
import {
  addressIp, compileHashPolicy, cookieValue, generatedCookieValue, queryParameterValue, setCookieHeaderValue,
  type HashCookieSink,
} from './hash-policy.js';
import { req } from './test-support.js';
import type { RequestHead } from '../http/headers.js';

function policies(...json: JsonValue[]): RouteAction_HashPolicy[] {
  return json.map((j) => fromJson(RouteAction_HashPolicySchema, j, { registry }));
}

/** The request's hash key under `p` as the router computes it (the route action holds the compiled policy). */
function computeHashKey(p: RouteAction_HashPolicy[], head: RequestHead, ip: string, cookies: HashCookieSink | null = null):
  bigint | undefined {
  return p.length === 0 ? undefined : compileHashPolicy(p, '.hash_policy').generate(head, ip, cookies);
}

/** Envoy's combination step: rotate the running hash left by one, xor the next. */
function combine(prev: bigint, next: bigint): bigint {
  return (BigInt.asUintN(64, prev << 1n) | (prev >> 63n)) ^ next;
}

test('header: xxHash64 of the value; absent header gives no key; names are case-insensitive', () => {
  const p = policies({ header: { header_name: 'X-User' } });
  assert.equal(computeHashKey(p, req('/', { headers: { 'x-user': 'alice' } }), ''), xxHash64('alice'));
  assert.equal(computeHashKey(p, req('/'), '10.0.0.1'), undefined);
  assert.equal(computeHashKey([], req('/', { headers: { 'x-user': 'alice' } }), ''), undefined);
});

test('header: pseudo-headers and host; regex_rewrite before hashing (Envoy HashHeadersRegexSubstitution)', () => {
  const path = policies({ header: { header_name: ':path',
    regex_rewrite: { pattern: { regex: '^/(\\w+)$' }, substitution: '\\1' } } });
  assert.equal(computeHashKey(path, req('/foo'), ''), 3728699739546630719n);
  const host = policies({ header: { header_name: 'host' } });
  assert.equal(computeHashKey(host, req('/', { authority: 'a.example' }), ''), xxHash64('a.example'));
  const authority = policies({ header: { header_name: ':authority' } });
  assert.equal(computeHashKey(authority, req('/', { authority: 'a.example' }), ''), xxHash64('a.example'));
  const method = policies({ header: { header_name: ':method' } });
  assert.equal(computeHashKey(method, req('/', { method: 'POST' }), ''), xxHash64('POST'));
  assert.equal(computeHashKey(policies({ header: { header_name: ':protocol' } }), req('/'), ''), undefined);
});

test('header: several values hash the same in any order (sorted, chained through the seed)', () => {
  const p = policies({ header: { header_name: 'x-tag' } });
  const a = computeHashKey(p, req('/', { headers: { 'x-tag': ['foo', 'bar'] } }), '');
  const b = computeHashKey(p, req('/', { headers: { 'x-tag': ['bar', 'foo'] } }), '');
  // HashUtil::xxHash64(span{"bar", "foo"}): Envoy's own vector for {"foo", "bar"} chains in the given order.
  assert.equal(a, xxHash64('foo', xxHash64('bar')));
  assert.equal(a, b);
  assert.equal(xxHash64('bar', xxHash64('foo')), 17745830980996999794n);
});

test('cookie: the named cookie\'s value, quotes stripped; missing cookie without ttl gives no key', () => {
  const p = policies({ cookie: { name: 'hash' } });
  assert.equal(computeHashKey(p, req('/'), ''), undefined);
  assert.equal(computeHashKey(p, req('/', { headers: { cookie: 'choco=late; su=gar' } }), ''), undefined);
  assert.equal(computeHashKey(p, req('/', { headers: { cookie: 'choco=late; hash=brown' } }), ''), xxHash64('brown'));
  assert.equal(computeHashKey(p, req('/', { headers: { cookie: 'hash="brown"' } }), ''), xxHash64('brown'));
  assert.equal(computeHashKey(p, req('/', { headers: { cookie: ['a=1', 'hash=green'] } }), ''), xxHash64('green'));
  assert.notEqual(computeHashKey(p, req('/', { headers: { cookie: 'hash=brown' } }), ''),
    computeHashKey(p, req('/', { headers: { cookie: 'hash=green' } }), ''));
  const h = req('/', { headers: { cookie: 'xhash=1;hash=2; ;junk; hash=3' } }).headers;
  assert.equal(cookieValue(h, 'hash'), '2');
  assert.equal(cookieValue(h, 'junk'), '');
});

class Sink implements HashCookieSink {
  readonly calls: [string, string, number, readonly RouteAction_HashPolicy_CookieAttribute[]][] = [];
  constructor(private readonly value: string) {}
  addHashCookie(name: string, path: string, ttl: number, attrs: readonly RouteAction_HashPolicy_CookieAttribute[]): string {
    this.calls.push([name, path, ttl, attrs]);
    return this.value;
  }
}

test('cookie with ttl: a missing cookie is generated through the sink and its value hashed (Envoy TtlSet)', () => {
  const p = policies({ cookie: { name: 'hash', ttl: '42s', path: '/', attributes: [{ name: 'SameSite', value: 'Strict' }] } });
  const sink = new Sink('AAAAAAA');
  assert.equal(computeHashKey(p, req('/'), '', sink), xxHash64('AAAAAAA'));
  assert.equal(sink.calls.length, 1);
  assert.deepEqual(sink.calls[0].slice(0, 3), ['hash', '/', 42]);
  assert.equal(sink.calls[0][3][0].name, 'SameSite');
  // A present cookie is used as is, without generating one.
  assert.equal(computeHashKey(p, req('/', { headers: { cookie: 'hash=brown' } }), '', sink), xxHash64('brown'));
  assert.equal(sink.calls.length, 1);
  // No sink (or an empty generated value): no key.
  assert.equal(computeHashKey(p, req('/'), ''), undefined);
  assert.equal(computeHashKey(p, req('/'), '', new Sink('')), undefined);
  // ttl 0: a session cookie is still generated.
  const session = new Sink('x');
  computeHashKey(policies({ cookie: { name: 'hash', ttl: '0s' } }), req('/'), '', session);
  assert.deepEqual(session.calls[0].slice(0, 3), ['hash', '', 0]);
});

test('generated cookie value and Set-Cookie header as Envoy writes them', () => {
  const v = generatedCookieValue('10.1.2.3:5555', '10.0.0.1:8080');
  assert.match(v, /^[0-9a-f]{16}$/);
  assert.equal(BigInt(`0x${v}`), xxHash64('10.1.2.3:555510.0.0.1:8080'));
  assert.equal(setCookieHeaderValue('hash', v, '/', 42, [{ name: 'SameSite', value: 'Strict' }, { name: 'Secure', value: '' }] as
    RouteAction_HashPolicy_CookieAttribute[]), `hash="${v}"; Max-Age=42; Path=/; SameSite=Strict; Secure; HttpOnly`);
  assert.equal(setCookieHeaderValue('hash', 'x', '', 0, []), 'hash="x"; HttpOnly');
});

test('source_ip: xxHash64 of the address without port; IPv4-mapped IPv6 counts as IPv4; off when source_ip is false', () => {
  const p = policies({ connection_properties: { source_ip: true } });
  assert.equal(computeHashKey(p, req('/'), '1.2.3.4'), xxHash64('1.2.3.4'));
  assert.equal(computeHashKey(p, req('/'), '::ffff:1.2.3.4'), xxHash64('1.2.3.4'));
  assert.equal(computeHashKey(p, req('/'), '2001:db8::1'), xxHash64('2001:db8::1'));
  // Addresses as StreamInfo keeps them: the port does not count.
  assert.equal(computeHashKey(p, req('/'), '1.2.3.4:8081'), computeHashKey(p, req('/'), '1.2.3.4:1331'));
  assert.equal(computeHashKey(p, req('/'), '1.2.3.4:0'), xxHash64('1.2.3.4'));
  assert.equal(computeHashKey(p, req('/'), '[1:2:3:4:5::]:8081'), xxHash64('1:2:3:4:5::'));
  assert.equal(addressIp('[::ffff:1.2.3.4]:80'), '1.2.3.4');
  assert.notEqual(computeHashKey(p, req('/'), '4.3.2.1'), computeHashKey(p, req('/'), '1.2.3.4'));
  assert.equal(computeHashKey(p, req('/'), ''), undefined);
  assert.equal(computeHashKey(policies({ connection_properties: { source_ip: false } }), req('/'), '1.2.3.4'), undefined);
});

test('query_parameter: the first value, not decoded; a bare name is the empty value', () => {
  const p = policies({ query_parameter: { name: 'param' } });
  assert.equal(computeHashKey(p, req('/foo'), ''), undefined);
  assert.equal(computeHashKey(p, req('/foo?param=xyz'), ''), xxHash64('xyz'));
  assert.equal(computeHashKey(p, req('/foo?a=1&param=x%20y&param=2'), ''), xxHash64('x%20y'));
  assert.equal(computeHashKey(p, req('/foo?a=1&param'), ''), xxHash64(''));
  assert.equal(queryParameterValue('/foo?params=1&param=2', 'param'), '2');
  assert.equal(queryParameterValue('/foo?x=param', 'param'), undefined);
});

test('several policies combine as Envoy: rotate left by one, xor (HashMultiple)', () => {
  const p = policies({ header: { header_name: 'foo_header' } }, { connection_properties: { source_ip: true } });
  const withHeader = req('/', { headers: { foo_header: 'bar' } });
  const hashH = computeHashKey(p, withHeader, '')!;
  const hashIp = computeHashKey(p, req('/'), '4.3.2.1')!;
  const both = computeHashKey(p, withHeader, '4.3.2.1')!;
  assert.equal(hashH, xxHash64('bar'));
  assert.equal(hashIp, xxHash64('4.3.2.1'));
  assert.equal(both, combine(xxHash64('bar'), xxHash64('4.3.2.1')));
  assert.notEqual(both, hashH);
  assert.notEqual(both, hashIp);
  // The same rule twice does not cancel out.
  const twice = policies({ header: { header_name: 'foo_header' } }, { header: { header_name: 'foo_header' } });
  assert.notEqual(computeHashKey(twice, withHeader, ''), 0n);
  assert.equal(computeHashKey(twice, withHeader, ''), combine(xxHash64('bar'), xxHash64('bar')));
});

test('terminal: once a hash exists the rest is skipped; without one evaluation goes on (HashTerminal)', () => {
  const p = policies({ cookie: { name: 'cookie_hash' } }, { header: { header_name: 'foo_header' }, terminal: true },
    { connection_properties: { source_ip: true } });
  const head = req('/', { headers: { cookie: 'cookie_hash=foo;', foo_header: 'bar' } });
  const h1 = computeHashKey(p, head, '4.3.2.1');
  assert.equal(h1, computeHashKey(p, head, '1.2.3.4'));
  assert.equal(h1, combine(xxHash64('foo'), xxHash64('bar')));
  // Nothing from cookie or header: the source IP decides.
  assert.notEqual(computeHashKey(p, req('/'), '4.3.2.1'), computeHashKey(p, req('/'), '1.2.3.4'));
  assert.equal(computeHashKey(p, req('/'), '4.3.2.1'), xxHash64('4.3.2.1'));
  // filter_state never yields a hash here, so a terminal filter_state policy does not stop the list.
  const fs = policies({ filter_state: { key: 'k' }, terminal: true }, { header: { header_name: 'foo_header' } });
  assert.equal(computeHashKey(fs, head, ''), xxHash64('bar'));
});

test('compile errors carry the field path', () => {
  assert.throws(() => compileHashPolicy(policies({}), '.routes[0].route.hash_policy'),
    (e: unknown) => e instanceof RouteConfigError && e.path === '.routes[0].route.hash_policy[0]');
  const badGroup = policies({ header: { header_name: ':path', regex_rewrite: { pattern: { regex: '^/(\\w+)$' },
    substitution: '\\2' } } });
  assert.throws(() => compileHashPolicy(badGroup, '.hash_policy'),
    (e: unknown) => e instanceof RouteConfigError && e.path === '.hash_policy[0].header.regex_rewrite.substitution');
});

test('end to end: a user header keeps each user on one RING_HASH host, and users spread over all hosts', () => {
  const hosts = [1, 2, 3].map((n) => new HostImpl({ address: `10.0.0.${n}`, port: 80, hostname: '', weight: 1, priority: 0,
    locality: { region: '', zone: '', subZone: '' }, healthFlags: 0 }));
  const ps = new PrioritySet();
  ps.update(hosts);
  const lb = new LoadBalancer(ps, ringHashFactory({ minRingSize: 1024, maxRingSize: 8388608, murmur: false,
    useHostname: false }, null), { panicThreshold: 50, failTrafficOnPanic: false, overprovisioningFactor: 140 },
  new ClusterStatsImpl(new StatsStore().scope('cluster.t')));
  const p = policies({ header: { header_name: 'x-user' } });
  const used = new Set<HostImpl>();
  for (let u = 0; u < 60; u++) {
    const head = req('/', { headers: { 'x-user': `user-${u}` } });
    const first = lb.chooseHost({ head, hashKey: computeHashKey(p, head, '') });
    for (let i = 0; i < 5; i++) assert.equal(lb.chooseHost({ head, hashKey: computeHashKey(p, head, '') }), first);
    used.add(first!);
  }
  assert.equal(used.size, 3);
});
