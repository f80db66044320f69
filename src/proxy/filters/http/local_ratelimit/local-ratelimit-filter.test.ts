// Unit tests of the local rate limit filter against recording callbacks: enabled/enforced, replies,
// headers, stats names, gRPC, per-route buckets and config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { LocalRateLimitSchema } from '../../../../xds/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { registry } from '../../../../xds/registry.js';
import { RouteConfigError } from '../../../router/errors.js';
import { req, routeConfig, type RequestOptions } from '../../../router/test-support.js';
import { compileRouteConfig } from '../../../router/route-table.js';
import type { CompiledRouteConfig } from '../../../router/types.js';
import { StatsStore } from '../../../stats/store.js';
import { HeaderMap } from '../../../http/headers.js';
import { FilterStatus } from '../types.js';
import { filterContext, RecordingCallbacks, statValue } from '../fault/test-support.js';
import { LocalRateLimitFilterFactory } from './local-ratelimit-filter.js';
import { compileLocalRateLimit } from './local-ratelimit-config.js';

const TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const ALWAYS = { default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: 'local_rate_limit_enabled' };

const proto = (json: JsonValue) => fromJson(LocalRateLimitSchema, json, { registry });

interface Env {
  f: LocalRateLimitFilterFactory;
  stats: StatsStore;
  advance(ms: number): void;
}

function setup(json: JsonValue | undefined, name = ''): Env {
  let t = 0;
  const ctx = filterContext(name);
  const f = new LocalRateLimitFilterFactory(json === undefined ? undefined : proto(json), ctx, { now: () => t, random: () => 0.5 });
  return { f, stats: ctx.stats, advance: (ms) => { t += ms; } };
}

function run(f: LocalRateLimitFilterFactory, path = '/', o: RequestOptions = {}, routes: CompiledRouteConfig | null = null) {
  const cb = new RecordingCallbacks(routes);
  const head = req(path, o);
  cb.streamInfo.requestHead = head;
  const made = f.create(cb);
  return { cb, head, filter: made.decoder, status: made.decoder.decodeHeaders(head, true) };
}

const basic = (extra: Record<string, JsonValue> = {}): JsonValue => ({
  stat_prefix: 'http_local_rate_limiter',
  token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '60s' },
  filter_enabled: ALWAYS, filter_enforced: ALWAYS, ...extra,
});

const stat = (e: Env, name: string): number => statValue(e.stats, `http_local_rate_limiter.http_local_rate_limit.${name}`);

test('over the limit, an enforced filter answers 429 `local_rate_limited` with flag RL', () => {
  const e = setup(basic());
  const first = run(e.f);
  assert.equal(first.status, FilterStatus.Continue);
  assert.equal(first.cb.replies.length, 0);
  const second = run(e.f);
  assert.equal(second.status, FilterStatus.StopIteration);
  assert.deepEqual(second.cb.replies, [
    { status: 429, body: 'local_rate_limited', flag: 'RL', details: 'local_rate_limited', headers: undefined },
  ]);
  assert.equal(second.cb.streamInfo.hasFlag('RL'), true);
  assert.deepEqual(['enabled', 'ok', 'rate_limited', 'enforced'].map((n) => stat(e, n)), [2, 1, 1, 1]);
});

test('without filter_enabled the filter does nothing (and counts nothing)', () => {
  const e = setup({ stat_prefix: 'http_local_rate_limiter', token_bucket: { max_tokens: 1, fill_interval: '60s' } });
  for (let i = 0; i < 3; i++) assert.equal(run(e.f).status, FilterStatus.Continue);
  assert.equal(stat(e, 'enabled'), 0);
  assert.ok(e.stats.counters.has('http_local_rate_limiter.http_local_rate_limit.ok'), 'stats exist from the start');
});

test('enabled but not enforced: limited requests pass, are counted and get the request headers', () => {
  const e = setup(basic({
    filter_enforced: { default_value: { numerator: 0 } },
    request_headers_to_add_when_not_enforced: [{ header: { key: 'x-local-ratelimited', value: 'true' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
  }));
  assert.equal(run(e.f).head.headers.get('x-local-ratelimited'), undefined);
  const limited = run(e.f);
  assert.equal(limited.status, FilterStatus.Continue);
  assert.equal(limited.cb.replies.length, 0);
  assert.equal(limited.head.headers.get('x-local-ratelimited'), 'true');
  assert.deepEqual(['enabled', 'ok', 'rate_limited', 'enforced'].map((n) => stat(e, n)), [2, 1, 1, 0]);
});

test('filter_enabled and filter_enforced are sampled fractions', () => {
  const e = setup(basic({ filter_enabled: { default_value: { numerator: 40 } } }));
  // The test random is 0.5: bucket 50 of 100 is not below 40.
  for (let i = 0; i < 3; i++) assert.equal(run(e.f).status, FilterStatus.Continue);
  assert.equal(stat(e, 'enabled'), 0);
  const g = setup(basic({ filter_enabled: { default_value: { numerator: 5001, denominator: 'TEN_THOUSAND' } } }));
  run(g.f);
  assert.equal(run(g.f).status, FilterStatus.StopIteration);
});

test('tokens refill over time', () => {
  const e = setup(basic({ token_bucket: { max_tokens: 2, tokens_per_fill: 1, fill_interval: '1s' } }));
  assert.equal(run(e.f).status, FilterStatus.Continue);
  assert.equal(run(e.f).status, FilterStatus.Continue);
  assert.equal(run(e.f).status, FilterStatus.StopIteration);
  e.advance(1000);
  assert.equal(run(e.f).status, FilterStatus.Continue);
  assert.equal(run(e.f).status, FilterStatus.StopIteration);
});

test('status, response_headers_to_add and x-ratelimit-* headers shape the reply', () => {
  const e = setup(basic({
    status: { code: 'ServiceUnavailable' },
    enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
    response_headers_to_add: [
      { header: { key: 'x-local-rate-limit', value: 'true' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-req', value: '%REQ(x-request-id)%' } },
    ],
  }));
  const ok = run(e.f);
  const okHead = { status: 200, headers: new HeaderMap() };
  ok.filter.encodeHeaders(okHead, true);
  assert.equal(okHead.headers.get('x-ratelimit-limit'), '1');
  assert.equal(okHead.headers.get('x-ratelimit-remaining'), '0');
  const limited = run(e.f, '/', { headers: { 'x-request-id': 'abc' } });
  const reply = limited.cb.replies[0];
  assert.equal(reply.status, 503);
  assert.equal(reply.headers?.get('x-local-rate-limit'), 'true');
  assert.equal(reply.headers?.get('x-req'), 'abc');
  assert.equal(reply.headers?.get('x-envoy-ratelimited'), undefined, 'the local filter does not add it');
  assert.equal(setup(basic({ status: { code: 'OK' } })).f.settings?.status, 429, 'below 400 means 429');
});

test('without enable_x_ratelimit_headers responses are left alone', () => {
  const e = setup(basic());
  const ok = run(e.f);
  const head = { status: 200, headers: ok.head.headers.clone() };
  const before = head.headers.size;
  ok.filter.encodeHeaders(head, true);
  assert.equal(head.headers.size, before);
});

test('rate_limited_as_resource_exhausted answers gRPC requests with grpc-status 8', () => {
  const e = setup(basic({ rate_limited_as_resource_exhausted: true }));
  const grpc = { method: 'POST', headers: { 'content-type': 'application/grpc' } };
  run(e.f, '/pkg.S/M', grpc);
  const limited = run(e.f, '/pkg.S/M', grpc);
  assert.equal(limited.cb.replies.length, 0);
  const { head, end } = limited.cb.encoded[0];
  assert.equal(end, true);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('grpc-status'), '8');
  assert.equal(head.headers.get('grpc-message'), 'local_rate_limited');
  assert.equal(limited.cb.streamInfo.hasFlag('RL'), true);
  // Plain HTTP requests still get the 429.
  assert.equal(run(e.f).cb.replies[0].status, 429);
});

test('a filter without a token bucket does not limit', () => {
  const e = setup({ stat_prefix: 'http_local_rate_limiter', filter_enabled: ALWAYS, filter_enforced: ALWAYS });
  for (let i = 0; i < 3; i++) assert.equal(run(e.f).status, FilterStatus.Continue);
  assert.equal(stat(e, 'ok'), 3);
});

/** A one-host route table compiled as the proxy does, its per-route configs' stats in `stats`. */
const oneHost = (routes: JsonValue[], stats = new StatsStore()): CompiledRouteConfig =>
  compileRouteConfig(routeConfig({ name: 'test', virtual_hosts: [{ name: 'vh', domains: ['*'], routes }] }), { stats });

const routeLimit = (prefix: string, max: number, extra: Record<string, JsonValue> = {}): JsonValue => ({
  '@type': TYPE, stat_prefix: prefix, token_bucket: { max_tokens: max, tokens_per_fill: 1, fill_interval: '60s' },
  filter_enabled: ALWAYS, filter_enforced: ALWAYS, ...extra,
});

test('a route-level config has its own bucket and stats, replacing the filter-level one for that route', () => {
  const e = setup(basic());
  const routes = oneHost([
    { match: { prefix: '/limited' }, route: { cluster: 'a' }, typed_per_filter_config: { 'envoy.filters.http.local_ratelimit': routeLimit('route_rl', 2) } },
    {
      match: { prefix: '/free' }, route: { cluster: 'a' },
      typed_per_filter_config: { 'envoy.filters.http.local_ratelimit': { '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', disabled: true } },
    },
    { match: { prefix: '/' }, route: { cluster: 'a' } },
  ], e.stats);
  assert.equal(run(e.f, '/limited', {}, routes).status, FilterStatus.Continue);
  assert.equal(run(e.f, '/limited', {}, routes).status, FilterStatus.Continue);
  assert.equal(run(e.f, '/limited', {}, routes).status, FilterStatus.StopIteration);
  // The listener-level bucket (1 token) is untouched by the route's requests.
  assert.equal(run(e.f, '/', {}, routes).status, FilterStatus.Continue);
  assert.equal(run(e.f, '/', {}, routes).status, FilterStatus.StopIteration);
  for (let i = 0; i < 3; i++) assert.equal(run(e.f, '/free', {}, routes).status, FilterStatus.Continue);
  assert.equal(statValue(e.stats, 'route_rl.http_local_rate_limit.rate_limited'), 1);
  assert.equal(statValue(e.stats, 'route_rl.http_local_rate_limit.ok'), 2);
  assert.equal(stat(e, 'rate_limited'), 1);
});

test('a route-level bucket belongs to its route table: shared by the filters that use the table, fresh in a new table', () => {
  const json = [{ match: { prefix: '/' }, route: { cluster: 'a' }, typed_per_filter_config: { rl: routeLimit('named', 1) } }];
  const a = setup(undefined, 'rl');
  const b = setup(undefined, 'rl');
  const routes = oneHost(json);
  assert.equal(run(a.f, '/', {}, routes).status, FilterStatus.Continue);
  // Another connection manager on the same (RDS) table draws from the same bucket, as in Envoy.
  assert.equal(run(b.f, '/', {}, routes).status, FilterStatus.StopIteration);
  // A new table (an RDS update) compiles the config again, with a full bucket.
  assert.equal(run(a.f, '/', {}, oneHost(json)).status, FilterStatus.Continue);
  assert.equal(run(a.f, '/', {}, routes).status, FilterStatus.StopIteration, 'the old table keeps its own');
});

test('a route can enable limiting when the filter config is absent (globally disabled)', () => {
  const routes = oneHost([
    { match: { prefix: '/' }, route: { cluster: 'a' }, typed_per_filter_config: { rl: routeLimit('named', 1) } },
  ]);
  const e = setup(undefined, 'rl');
  assert.equal(run(e.f, '/', {}, routes).status, FilterStatus.Continue);
  assert.equal(run(e.f, '/', {}, routes).status, FilterStatus.StopIteration);
  assert.equal(run(e.f, '/').status, FilterStatus.Continue, 'no route, no config');
});

test('configs Strait cannot serve are rejected with the field path', () => {
  const store = new StatsStore();
  const cases: [JsonValue, boolean, RegExp][] = [
    [basic({ token_bucket: { max_tokens: 1, fill_interval: '0.049s' } }), false,
      /^\.tc\.token_bucket\.fill_interval: local rate limit token bucket fill timer must be >= 50ms$/],
    [{ stat_prefix: 'p' }, true, /^\.tc: local rate limit token bucket must be set for per filter configs$/],
    [basic({ descriptors: [{ entries: [{ key: 'k', value: 'v' }], token_bucket: { max_tokens: 1, fill_interval: '1s' } }] }), false,
      /^\.tc\.descriptors: local rate limit descriptors are not supported by Strait$/],
    [basic({ local_rate_limit_per_downstream_connection: true }), false, /^\.tc\.local_rate_limit_per_downstream_connection: /],
    [basic({ stat_prefix: '' }), false, /^\.tc\.stat_prefix: /],
    [basic({ response_headers_to_add: [{ header: { key: ':status', value: '1' } }] }), false, /^\.tc\.response_headers_to_add\[0\]\.header\.key: /],
  ];
  for (const [json, perRoute, re] of cases) {
    assert.throws(() => compileLocalRateLimit(proto(json), { store }, '.tc', perRoute),
      (err: unknown) => err instanceof RouteConfigError && re.test(err.message), JSON.stringify(json));
  }
  // Per route, the table refuses a config without a token bucket when it is built.
  const route = (rl: JsonValue) => [{ match: { prefix: '/' }, route: { cluster: 'a' }, typed_per_filter_config: { rl } }];
  assert.throws(() => oneHost(route({ '@type': TYPE, stat_prefix: 'p' })), (err: unknown) => err instanceof RouteConfigError
    && err.message === '.virtual_hosts[0].routes[0].typed_per_filter_config["rl"]: local rate limit token bucket must be set for per filter configs');
  assert.doesNotThrow(() => oneHost(route(routeLimit('p', 1))));
});
