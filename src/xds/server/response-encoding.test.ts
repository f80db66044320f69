// The shared-resources encoding decodes to the same DiscoveryResponse as a plain toBinary,
// for a list seen the first time, the same list again, and a list that shares only some resources;
// and the same for delta responses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, equals, fromBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { DeltaDiscoveryResponseSchema, DiscoveryResponseSchema, ResourceSchema } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { encodeDeltaDiscoveryResponse, encodeDiscoveryResponse } from './response-encoding.js';

const any = (n: number) => create(AnySchema, { typeUrl: 'type.googleapis.com/x.Y', value: new Uint8Array(n * 50).fill(n) });

test('responses decode to what was encoded, with whole and partly shared resource lists', () => {
  const shared = [any(1), any(2), any(3)];
  const lists = [shared, shared, [shared[0], shared[1], any(4)], [any(5), ...shared]];
  for (const [i, resources] of lists.entries()) {
    const m = create(DiscoveryResponseSchema, { versionInfo: `v${i}`, typeUrl: 'type.googleapis.com/x.Y', nonce: String(i), resources });
    const back = fromBinary(DiscoveryResponseSchema, encodeDiscoveryResponse(m));
    assert.ok(equals(DiscoveryResponseSchema, back, m), `response ${i}`);
  }
});

test('long lists decode whole when they share some runs and differ inside others', () => {
  const base = Array.from({ length: 300 }, (_, i) => any(1 + (i % 7)));
  const changed = [...base];
  changed[200] = any(9);
  const shorter = base.slice(0, 290);
  for (const [i, resources] of [base, changed, shorter, base].entries()) {
    const m = create(DiscoveryResponseSchema, { versionInfo: `v${i}`, typeUrl: 'type.googleapis.com/x.Y', nonce: String(i), resources });
    assert.ok(equals(DiscoveryResponseSchema, fromBinary(DiscoveryResponseSchema, encodeDiscoveryResponse(m)), m), `list ${i}`);
  }
});

test('delta responses decode to what was encoded, with shared Resources and removals', () => {
  const shared = [1, 2, 3].map((n) => create(ResourceSchema, { name: `r${n}`, version: `h${n}`, resource: any(n) }));
  const lists = [shared, shared.slice(1), [shared[0], create(ResourceSchema, { name: 'r4', version: 'h4', resource: any(4) })], []];
  for (const [i, resources] of lists.entries()) {
    const m = create(DeltaDiscoveryResponseSchema, {
      systemVersionInfo: `v${i}`, typeUrl: 'type.googleapis.com/x.Y', nonce: String(i), removedResources: i > 1 ? ['gone'] : [], resources,
    });
    const back = fromBinary(DeltaDiscoveryResponseSchema, encodeDeltaDiscoveryResponse(m));
    assert.ok(equals(DeltaDiscoveryResponseSchema, back, m), `response ${i}`);
  }
});

test('long delta lists, built per stream from shared Resources, decode whole where runs are shared and where they differ', () => {
  const base = Array.from({ length: 300 }, (_, i) => create(ResourceSchema, { name: `r${i}`, version: `h${i}`, resource: any(1 + (i % 7)) }));
  const changed = [...base];
  changed[200] = create(ResourceSchema, { name: 'r200', version: 'h-new', resource: any(9) });
  // Each stream's list is its own array holding the same Resource objects.
  for (const [i, resources] of [[...base], [...changed], base.slice(0, 290), [...base]].entries()) {
    const m = create(DeltaDiscoveryResponseSchema, { systemVersionInfo: `v${i}`, typeUrl: 'type.googleapis.com/x.Y', nonce: String(i) });
    m.resources = resources;
    assert.ok(equals(DeltaDiscoveryResponseSchema, fromBinary(DeltaDiscoveryResponseSchema, encodeDeltaDiscoveryResponse(m)), m), `list ${i}`);
  }
});
