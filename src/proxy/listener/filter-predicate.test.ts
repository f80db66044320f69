// Tests filter_disabled predicates as Envoy evaluates them: half-open port ranges, not/or/and sets as
// istiod writes them for tls_inspector and http_inspector, and the config errors with their paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { ListenerFilterChainMatchPredicateSchema } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { ListenerConfigError } from './errors.js';
import { compilePredicate } from './filter-predicate.js';

const compile = (json: JsonObject) => compilePredicate(fromJson(ListenerFilterChainMatchPredicateSchema, json), '.lf[0].filter_disabled');
const range = (start: number, end: number): JsonObject => ({ destination_port_range: { start, end } });

test('destination_port_range is [start, end)', () => {
  const m = compile(range(9080, 9081));
  assert.deepEqual([9079, 9080, 9081].map(m), [false, true, false]);
});

test('istiod\'s include form: not_match of an or_match of ports disables everywhere else', () => {
  const m = compile({ not_match: { or_match: { rules: [range(8080, 8081), range(9090, 9091)] } } });
  assert.deepEqual([8080, 9090, 15006, 3000].map(m), [false, false, true, true]);
});

test('and_match needs every rule; any_match always matches', () => {
  const m = compile({ and_match: { rules: [range(1000, 2000), { not_match: range(1500, 1501) }] } });
  assert.deepEqual([999, 1000, 1500, 1999].map(m), [false, true, false, true]);
  assert.equal(compile({ any_match: true })(1), true);
});

test('an empty predicate and a one-rule set are refused with their field paths', () => {
  assert.throws(() => compile({}), (e: unknown) => e instanceof ListenerConfigError && e.path === '.lf[0].filter_disabled');
  assert.throws(() => compile({ or_match: { rules: [range(1, 2)] } }),
    (e: unknown) => e instanceof ListenerConfigError && e.path === '.lf[0].filter_disabled.or_match.rules'
      && /at least 2 item/.test(e.detail));
  assert.throws(() => compile({ not_match: {} }), (e: unknown) => e instanceof ListenerConfigError && e.path === '.lf[0].filter_disabled.not_match');
});
