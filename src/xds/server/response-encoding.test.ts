// The shared-resources encoding decodes to the same DiscoveryResponse as a plain toBinary,
// for a list seen the first time, the same list again, and a list that shares only some resources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, equals, fromBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { DiscoveryResponseSchema } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { encodeDiscoveryResponse } from './response-encoding.js';

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
