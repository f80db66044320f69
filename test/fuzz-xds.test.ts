// Property tests (short runs): the proxy's xDS appliers answer random and mutated responses with an
// ACK or a NACK, never an exception; `npm run fuzz` runs the same targets longer (test/fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromJson, toBinary, type JsonValue } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterLoadAssignmentSchema } from '../src/xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../src/xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../src/xds/gen/envoy/config/route/v3/route_pb.js';
import { FilterConfigSchema } from '../src/xds/gen/envoy/config/route/v3/route_components_pb.js';
import { registry } from '../src/xds/registry.js';
import { assertTarget } from './fuzz/runner.js';
import { withHarness, XDS_TYPES } from './fuzz/xds-harness.js';
import { ASSIGNMENTS, LISTENERS, ROUTE_CONFIGS } from './fuzz/xds-seeds.js';
import { applyBaseline, responseBytes, xdsMutatedTarget, xdsRandomTarget } from './fuzz/xds-target.js';

test('the xDS seeds are accepted as they stand (mutations start from valid resources)', () => {
  withHarness(applyBaseline);
});

// Found by xds-mutated: a nested Any (the HCM's typed_config) whose bytes do not decode made the
// RE2 and semantic checks throw out of the LDS applier, so the response got neither ACK nor NACK.
test('regression: a listener whose HCM typed_config bytes are cut short is NACKed with the field path', () => {
  withHarness((h) => {
    const l = fromJson(ListenerSchema, LISTENERS[0] as JsonValue, { registry });
    const cfg = l.filterChains[0]!.filters[0]!.configType;
    assert.equal(cfg.case, 'typedConfig');
    const any = cfg.value!;
    any.value = any.value.subarray(0, any.value.length - 3);
    const o = h.deliver(responseBytes(2, [{ typeUrl: XDS_TYPES[2], value: toBinary(ListenerSchema, l) }], '1'));
    assert.equal(o.kind, 'nack');
    assert.match(o.kind === 'nack' ? o.message : '', /^Error adding\/updating listener\(s\) rds: \.filter_chains\[0\]\.filters\[0\]\.typed_config: cannot decode /);
  });
});

test('regression: a route table whose per-filter config bytes do not decode is NACKed', () => {
  withHarness((h) => {
    applyBaseline(h);
    const rc = fromJson(RouteConfigurationSchema, ROUTE_CONFIGS[0] as JsonValue, { registry });
    const wrapper = anyPack(FilterConfigSchema, create(FilterConfigSchema, { config: { typeUrl:
      'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', value: new Uint8Array([0x0a, 0x05, 0x01]) } }));
    rc.virtualHosts[0]!.typedPerFilterConfig['envoy.filters.http.fault'] = wrapper;
    const o = h.deliver(responseBytes(3, [{ typeUrl: XDS_TYPES[3], value: toBinary(RouteConfigurationSchema, rc) }], '2'));
    assert.equal(o.kind, 'nack');
    assert.match(o.kind === 'nack' ? o.message : '', /typed_per_filter_config\["envoy\.filters\.http\.fault"\].*cannot decode/);
  });
});

// Found by xds-mutated (the run died out of memory): EDS skipped the schema rules, so a priority of
// 10,000,000 (the limit is 128) built that many priority levels: 47 s and 2 GB for one response.
test('regression: an assignment with a priority above 128 is NACKed at once', () => {
  withHarness((h) => {
    applyBaseline(h);
    const cla = fromJson(ClusterLoadAssignmentSchema, ASSIGNMENTS[0] as JsonValue, { registry });
    cla.endpoints[1]!.priority = 10_000_000;
    const t0 = performance.now();
    const o = h.deliver(responseBytes(1, [{ typeUrl: XDS_TYPES[1], value: toBinary(ClusterLoadAssignmentSchema, cla) }], '3'));
    assert.deepEqual(o, { kind: 'nack', message: 'eds: .endpoints[1].priority: value must be less than or equal to 128' });
    assert.ok(performance.now() - t0 < 1000, 'answered without building the levels');
  });
});

test('xDS: mutated resources are ACKed or NACKed', async (t) => {
  const r = await assertTarget(xdsMutatedTarget());
  t.diagnostic(`${r.executions} executions in ${r.ms} ms`);
});

test('xDS: random bytes are ACKed or NACKed, or fail decoding', async (t) => {
  const r = await assertTarget(xdsRandomTarget());
  t.diagnostic(`${r.executions} executions in ${r.ms} ms`);
});
