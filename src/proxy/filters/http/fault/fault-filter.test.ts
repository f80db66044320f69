// Unit tests of the fault filter against recording callbacks: which requests get delays and aborts,
// percentages, header control, max_active_faults, stats and per-route overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { HTTPFaultSchema } from '../../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { registry } from '../../../../xds/registry.js';
import { oneHost, req, type RequestOptions } from '../../../router/test-support.js';
import type { CompiledRouteConfig } from '../../../router/types.js';
import { FilterStatus } from '../types.js';
import { FaultFilterFactory, type FaultFilter } from './fault-filter.js';
import { filterContext, RecordingCallbacks, statValue, type TestFilterContext } from './test-support.js';

const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

function factory(json: JsonValue | undefined, random: () => number = () => 0, ctx: TestFilterContext = filterContext('')): FaultFilterFactory {
  const proto = json === undefined ? undefined : fromJson(HTTPFaultSchema, json, { registry });
  return new FaultFilterFactory(proto, ctx, { random });
}

/** Runs decodeHeaders for one request; returns the filter, its callbacks and the status. */
function run(f: FaultFilterFactory, path = '/', o: RequestOptions = {}, routes: CompiledRouteConfig | null = null):
  { filter: FaultFilter; cb: RecordingCallbacks; status: FilterStatus } {
  const cb = new RecordingCallbacks(routes);
  const head = req(path, o);
  cb.streamInfo.requestHead = head;
  const filter = f.create(cb).decoder;
  return { filter, cb, status: filter.decodeHeaders(head, true) };
}

const stat = (f: FaultFilterFactory, name: string): number => {
  const s = f.stats as unknown as Record<string, { value: number }>;
  return s[name].value;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a fixed abort at 100% answers with the status, `fault filter abort` and flag FI', () => {
  const f = factory({ abort: { http_status: 503, percentage: { numerator: 100 } } });
  const { filter, cb, status } = run(f);
  assert.equal(status, FilterStatus.StopIteration);
  assert.deepEqual(cb.replies, [{ status: 503, body: 'fault filter abort', flag: 'FI', details: 'fault_filter_abort' }]);
  assert.equal(cb.streamInfo.hasFlag('FI'), true);
  assert.equal(stat(f, 'aborts_injected'), 1);
  assert.equal(stat(f, 'active_faults'), 1);
  filter.onDestroy();
  assert.equal(stat(f, 'active_faults'), 0);
  assert.equal(cb.continued, 0);
});

test('an abort without a percentage never fires (Envoy reads an unset percentage as 0%)', () => {
  const f = factory({ abort: { http_status: 503 } }, () => 0);
  const { cb, status } = run(f);
  assert.equal(status, FilterStatus.Continue);
  assert.equal(cb.replies.length, 0);
  assert.equal(stat(f, 'aborts_injected'), 0);
  assert.equal(stat(f, 'active_faults'), 0);
});

test('percentages sample numerator/denominator for HUNDRED, TEN_THOUSAND and MILLION', () => {
  const cases: [JsonValue, number, boolean][] = [
    [{ numerator: 50 }, 0.49, true], [{ numerator: 50 }, 0.5, false],
    [{ numerator: 1, denominator: 'TEN_THOUSAND' }, 0.00009, true], [{ numerator: 1, denominator: 'TEN_THOUSAND' }, 0.0001, false],
    [{ numerator: 1, denominator: 'MILLION' }, 0.0000009, true], [{ numerator: 1, denominator: 'MILLION' }, 0.000001, false],
    [{ numerator: 250 }, 0.99, true],
  ];
  for (const [percentage, r, aborted] of cases) {
    const f = factory({ abort: { http_status: 500, percentage } }, () => r);
    assert.equal(run(f).cb.replies.length === 1, aborted, `${JSON.stringify(percentage)} at ${r}`);
  }
});

test('a fixed delay stops the request, sets DI and continues when the timer fires', async () => {
  const f = factory({ delay: { fixed_delay: '0.05s', percentage: { numerator: 100 } } });
  const started = performance.now();
  const { filter, cb, status } = run(f);
  assert.equal(status, FilterStatus.StopIteration);
  assert.equal(cb.streamInfo.hasFlag('DI'), true);
  assert.equal(stat(f, 'delays_injected'), 1);
  assert.equal(stat(f, 'active_faults'), 1);
  // Body and trailers wait with the headers.
  assert.equal(filter.decodeData(Buffer.from('x'), false), FilterStatus.StopIteration);
  assert.deepEqual(cb.readDisables, [true]);
  for (let i = 0; i < 50 && cb.continued === 0; i++) await sleep(10);
  assert.equal(cb.continued, 1);
  assert.ok(performance.now() - started >= 45, 'waited for the delay');
  assert.deepEqual(cb.readDisables, [true, false]);
  assert.equal(stat(f, 'active_faults'), 0, 'an elapsed delay is no longer active');
  assert.equal(filter.decodeData(Buffer.from('y'), true), FilterStatus.Continue);
  filter.onDestroy();
  assert.equal(stat(f, 'active_faults'), 0);
});

test('a delay followed by an abort aborts when the delay ends', async () => {
  const f = factory({
    delay: { fixed_delay: '0.02s', percentage: { numerator: 100 } },
    abort: { http_status: 429, percentage: { numerator: 100 } },
  });
  const { filter, cb, status } = run(f);
  assert.equal(status, FilterStatus.StopIteration);
  assert.equal(cb.replies.length, 0, 'no abort before the delay');
  for (let i = 0; i < 50 && cb.replies.length === 0; i++) await sleep(10);
  assert.equal(cb.replies[0].status, 429);
  assert.equal(cb.continued, 0);
  assert.equal(cb.streamInfo.hasFlag('DI') && cb.streamInfo.hasFlag('FI'), true);
  assert.equal(stat(f, 'delays_injected'), 1);
  assert.equal(stat(f, 'aborts_injected'), 1);
  assert.equal(stat(f, 'active_faults'), 1, 'one stream counts once');
  filter.onDestroy();
  assert.equal(stat(f, 'active_faults'), 0);
});

test('a stream destroyed during its delay never continues', async () => {
  const f = factory({ delay: { fixed_delay: '0.03s', percentage: { numerator: 100 } } });
  const { filter, cb } = run(f);
  filter.onDestroy();
  assert.equal(stat(f, 'active_faults'), 0);
  await sleep(60);
  assert.equal(cb.continued, 0);
});

test('header_delay takes its duration from x-envoy-fault-delay-request', async () => {
  const f = factory({ delay: { header_delay: {}, percentage: { numerator: 100 } } });
  assert.equal(run(f).status, FilterStatus.Continue, 'no header, no delay');
  assert.equal(run(f, '/', { headers: { 'x-envoy-fault-delay-request': 'soon' } }).status, FilterStatus.Continue);
  assert.equal(run(f, '/', { headers: { 'x-envoy-fault-delay-request': '0' } }).status, FilterStatus.Continue);
  const { cb, status } = run(f, '/', { headers: { 'x-envoy-fault-delay-request': ' 20 ' } });
  assert.equal(status, FilterStatus.StopIteration);
  for (let i = 0; i < 50 && cb.continued === 0; i++) await sleep(10);
  assert.equal(cb.continued, 1);
  assert.equal(stat(f, 'delays_injected'), 1);
});

test('header_abort reads x-envoy-fault-abort-request, then x-envoy-fault-abort-grpc-request', () => {
  const f = factory({ abort: { header_abort: {}, percentage: { numerator: 100 } } });
  assert.equal(run(f).status, FilterStatus.Continue);
  assert.equal(run(f, '/', { headers: { 'x-envoy-fault-abort-request': '600' } }).status, FilterStatus.Continue,
    'outside [200, 600)');
  assert.equal(run(f, '/', { headers: { 'x-envoy-fault-abort-request': '418' } }).cb.replies[0].status, 418);
  // HTTP status wins over the gRPC one.
  const both = run(f, '/', { headers: { 'x-envoy-fault-abort-request': '503', 'x-envoy-fault-abort-grpc-request': '5' } });
  assert.equal(both.cb.replies[0].status, 503);
  // A gRPC status on a plain HTTP request: Envoy answers 200 with the abort body.
  const plain = run(f, '/', { headers: { 'x-envoy-fault-abort-grpc-request': '14' } });
  assert.equal(plain.cb.replies[0].status, 200);
  assert.equal(plain.cb.replies[0].body, 'fault filter abort');
});

test('a gRPC abort on a gRPC request is a trailers-only reply with that grpc-status', () => {
  const configs: JsonValue[] = [
    { abort: { grpc_status: 14, percentage: { numerator: 100 } } },
    { abort: { header_abort: {}, percentage: { numerator: 100 } } },
  ];
  for (const json of configs) {
    const f = factory(json);
    const { cb, status } = run(f, '/pkg.Svc/Method', {
      method: 'POST', headers: { 'content-type': 'application/grpc', 'x-envoy-fault-abort-grpc-request': '14' },
    });
    assert.equal(status, FilterStatus.StopIteration);
    assert.equal(cb.replies.length, 0);
    assert.equal(cb.encoded.length, 1);
    const { head, end } = cb.encoded[0];
    assert.equal(end, true);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('grpc-status'), '14');
    assert.equal(head.headers.get('grpc-message'), 'fault filter abort');
    assert.equal(head.headers.get('content-type'), 'application/grpc');
    assert.equal(cb.streamInfo.hasFlag('FI'), true);
    assert.equal(cb.streamInfo.responseCodeDetails, 'fault_filter_abort');
  }
});

test('an HTTP abort of a gRPC request goes through the usual local reply (grpc-status mapped from it)', () => {
  const f = factory({ abort: { http_status: 503, percentage: { numerator: 100 } } });
  const { cb } = run(f, '/pkg.Svc/M', { method: 'POST', headers: { 'content-type': 'application/grpc' } });
  assert.equal(cb.replies[0].status, 503);
  assert.equal(cb.encoded.length, 0);
});

test('percentage headers lower the configured percentage but never raise it', () => {
  const abort = (numerator: number, header: string, r: number): boolean => {
    const f = factory({ abort: { header_abort: {}, percentage: { numerator } } }, () => r);
    const headers = { 'x-envoy-fault-abort-request': '503', 'x-envoy-fault-abort-request-percentage': header };
    return run(f, '/', { headers }).cb.replies.length === 1;
  };
  assert.equal(abort(100, '0', 0), false);
  assert.equal(abort(100, '50', 0.4), true);
  assert.equal(abort(100, '50', 0.6), false);
  assert.equal(abort(10, '100', 0.5), false, 'capped at the configured 10%');
  assert.equal(abort(100, 'lots', 0.9), true, 'an invalid header leaves the configured percentage');
  const delayed = (header: string, r: number): boolean => {
    const f = factory({ delay: { header_delay: {}, percentage: { numerator: 100 } } }, () => r);
    const { filter, status } = run(f, '/', {
      headers: { 'x-envoy-fault-delay-request': '10', 'x-envoy-fault-delay-request-percentage': header },
    });
    filter.onDestroy();
    return status === FilterStatus.StopIteration;
  };
  assert.equal(delayed('0', 0), false);
  assert.equal(delayed('30', 0.2), true);
  assert.equal(delayed('30', 0.3), false);
});

test('max_active_faults caps concurrent faults and counts faults_overflow', () => {
  const f = factory({ max_active_faults: 1, delay: { fixed_delay: '10s', percentage: { numerator: 100 } } });
  const first = run(f);
  assert.equal(first.status, FilterStatus.StopIteration);
  const second = run(f);
  assert.equal(second.status, FilterStatus.Continue);
  assert.equal(stat(f, 'faults_overflow'), 1);
  assert.equal(stat(f, 'delays_injected'), 1);
  first.filter.onDestroy();
  const third = run(f);
  assert.equal(third.status, FilterStatus.StopIteration);
  third.filter.onDestroy();
  assert.equal(stat(f, 'active_faults'), 0);
});

test('upstream_cluster, headers and downstream_nodes restrict which requests are faulted', () => {
  const routes = oneHost([
    { match: { prefix: '/a' }, route: { cluster: 'a' } },
    { match: { prefix: '/b' }, route: { cluster: 'b' } },
  ]);
  const abort = { http_status: 503, percentage: { numerator: 100 } };
  const byCluster = factory({ abort, upstream_cluster: 'b' });
  assert.equal(run(byCluster, '/a', {}, routes).cb.replies.length, 0);
  assert.equal(run(byCluster, '/b', {}, routes).cb.replies.length, 1);
  assert.equal(run(byCluster, '/b').cb.replies.length, 0, 'no route, no cluster');

  const byHeader = factory({ abort, headers: [{ name: 'x-chaos', string_match: { exact: 'on' } }, { name: 'x-user', present_match: true }] });
  assert.equal(run(byHeader, '/', { headers: { 'x-chaos': 'on' } }).cb.replies.length, 0);
  assert.equal(run(byHeader, '/', { headers: { 'x-chaos': 'on', 'x-user': 'u' } }).cb.replies.length, 1);
  assert.equal(run(byHeader, '/', { headers: { 'x-chaos': 'off', 'x-user': 'u' } }).cb.replies.length, 0);

  const byNode = factory({ abort, downstream_nodes: ['node-1', 'node-2'] });
  assert.equal(run(byNode).cb.replies.length, 0);
  assert.equal(run(byNode, '/', { headers: { 'x-envoy-downstream-service-node': 'node-3' } }).cb.replies.length, 0);
  assert.equal(run(byNode, '/', { headers: { 'x-envoy-downstream-service-node': 'node-2' } }).cb.replies.length, 1);
});

test('stats live under http.<stat_prefix>.fault, with per-downstream-cluster counters', () => {
  const ctx = filterContext('');
  const f = factory({ abort: { http_status: 503, percentage: { numerator: 100 } } }, () => 0, ctx);
  for (const name of ['delays_injected', 'aborts_injected', 'response_rl_injected', 'faults_overflow', 'active_faults']) {
    assert.ok(ctx.stats.counters.has(`http.ingress_http.fault.${name}`) || ctx.stats.gauges.has(`http.ingress_http.fault.${name}`),
      name);
  }
  run(f, '/', { headers: { 'x-envoy-downstream-service-cluster': 'webapp' } });
  assert.equal(statValue(ctx.stats, 'http.ingress_http.fault.aborts_injected'), 1);
  assert.equal(statValue(ctx.stats, 'http.ingress_http.fault.webapp.aborts_injected'), 1);

  const quiet = filterContext('');
  const g = factory({ abort: { http_status: 503, percentage: { numerator: 100 } }, disable_downstream_cluster_stats: true },
    () => 0, quiet);
  run(g, '/', { headers: { 'x-envoy-downstream-service-cluster': 'webapp' } });
  assert.equal(quiet.stats.counters.has('http.ingress_http.fault.webapp.aborts_injected'), false);
  assert.equal(statValue(quiet.stats, 'http.ingress_http.fault.aborts_injected'), 1);
});

const abortAny = (status: number): JsonValue =>
  ({ '@type': FAULT_TYPE, abort: { http_status: status, percentage: { numerator: 100 } } });

test('typed_per_filter_config on the route replaces the filter config (most specific level wins)', () => {
  const routes = oneHost([
    { match: { prefix: '/route' }, route: { cluster: 'a' }, typed_per_filter_config: { 'envoy.filters.http.fault': abortAny(501) } },
    {
      match: { prefix: '/weighted' },
      route: { weighted_clusters: { clusters: [{ name: 'a', weight: 1, typed_per_filter_config: { 'envoy.filters.http.fault': abortAny(504) } }] } },
      typed_per_filter_config: { 'envoy.filters.http.fault': abortAny(501) },
    },
    {
      match: { prefix: '/off' }, route: { cluster: 'a' },
      typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', disabled: true } },
    },
    { match: { prefix: '/' }, route: { cluster: 'a' } },
  ], {}, { typed_per_filter_config: { 'envoy.filters.http.fault': abortAny(502) } });
  const f = factory({ abort: { http_status: 500, percentage: { numerator: 100 } } });
  assert.equal(run(f, '/route', {}, routes).cb.replies[0].status, 501);
  assert.equal(run(f, '/weighted', {}, routes).cb.replies[0].status, 504);
  assert.equal(run(f, '/other', {}, routes).cb.replies[0].status, 502, 'virtual host level');
  assert.equal(run(f, '/off', {}, routes).cb.replies.length, 0, 'FilterConfig disabled');
  assert.equal(run(f, '/route').cb.replies[0].status, 500, 'no route: the filter config');
});

test('an empty filter config injects nothing unless the route configures faults', () => {
  const routes = oneHost([
    { match: { prefix: '/chaos' }, route: { cluster: 'a' }, typed_per_filter_config: { 'envoy.filters.http.fault': abortAny(503) } },
    { match: { prefix: '/' }, route: { cluster: 'a' } },
  ]);
  const f = factory(undefined);
  assert.equal(run(f, '/', {}, routes).status, FilterStatus.Continue);
  assert.equal(run(f, '/chaos', {}, routes).cb.replies[0].status, 503);
});

test('per-route configs are looked up by the http_filters name first, then the canonical name', () => {
  const routes = oneHost([
    { match: { prefix: '/mine' }, route: { cluster: 'a' }, typed_per_filter_config: { chaos: abortAny(503), 'envoy.filters.http.fault': abortAny(500) } },
    { match: { prefix: '/' }, route: { cluster: 'a' }, typed_per_filter_config: { 'envoy.filters.http.fault': abortAny(500) } },
  ]);
  const f = factory(undefined, () => 0, filterContext('chaos'));
  assert.equal(run(f, '/mine', {}, routes).cb.replies[0].status, 503);
  assert.equal(run(f, '/', {}, routes).cb.replies[0].status, 500);
});
