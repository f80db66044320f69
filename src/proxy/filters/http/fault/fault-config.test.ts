// Unit tests of HTTPFault compilation: header value parsing and config errors with field paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { HTTPFaultSchema } from '../../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { registry } from '../../../../xds/registry.js';
import { RouteConfigError } from '../../../router/errors.js';
import { compileFaultSettings, parseUnsigned } from './fault-config.js';

const compile = (json: JsonValue) => compileFaultSettings(fromJson(HTTPFaultSchema, json, { registry }), '.typed_config');

test('header numbers parse as absl::SimpleAtoi does for unsigned values', () => {
  assert.equal(parseUnsigned('42', 100), 42);
  assert.equal(parseUnsigned(' +42\t', 100), 42);
  assert.equal(parseUnsigned('101', 100), undefined);
  assert.equal(parseUnsigned('-1', 100), undefined);
  assert.equal(parseUnsigned('4 2', 100), undefined);
  assert.equal(parseUnsigned('', 100), undefined);
  assert.equal(parseUnsigned(undefined, 100), undefined);
});

test('a compiled HTTPFault keeps delay, abort, matching and limits', () => {
  const s = compile({
    delay: { fixed_delay: '1.5s', percentage: { numerator: 5, denominator: 'TEN_THOUSAND' } },
    abort: { grpc_status: 4 },
    upstream_cluster: 'svc', downstream_nodes: ['n1'], max_active_faults: 3,
  });
  assert.equal(s.delay?.fixedMs, 1500);
  assert.deepEqual([s.delay?.percentage.numerator, s.delay?.percentage.denominator], [5, 10_000]);
  assert.equal(s.abort?.percentage.numerator, 0, 'unset percentage is 0%');
  assert.equal(s.upstreamCluster, 'svc');
  assert.deepEqual([...s.downstreamNodes!], ['n1']);
  assert.equal(s.maxActiveFaults, 3);
  assert.equal(compile({}).maxActiveFaults, Infinity);
  assert.equal(compile({}).injects, false);
});

test('config Strait cannot serve is rejected with the field path', () => {
  const cases: [JsonValue, RegExp][] = [
    [{ response_rate_limit: { fixed_limit: { limit_kbps: 1 }, percentage: { numerator: 100 } } },
      /^\.typed_config\.response_rate_limit: response rate limit faults are not supported by Strait$/],
    [{ abort: { http_status: 100 } }, /^\.typed_config\.abort\.http_status: value must be inside range \[200, 600\)$/],
    [{ abort: { percentage: { numerator: 1 } } }, /^\.typed_config\.abort: one of http_status, grpc_status or header_abort is required$/],
    [{ delay: { percentage: { numerator: 1 } } }, /^\.typed_config\.delay: one of fixed_delay or header_delay is required$/],
    [{ headers: [{ name: 'x', safe_regex_match: { regex: '(' } }] }, /^\.typed_config\.headers\[0\]\.safe_regex_match/],
  ];
  for (const [json, re] of cases) {
    assert.throws(() => compile(json), (e: unknown) => e instanceof RouteConfigError && re.test(e.message), JSON.stringify(json));
  }
});
