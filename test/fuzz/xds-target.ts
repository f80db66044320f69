// Fuzz target (d): xDS responses for the proxy's CDS/EDS/LDS/RDS appliers, from random bytes and
// from valid resources mutated as JSON and as wire bytes; the answer must be an ACK or a NACK.
import assert from 'node:assert/strict';
import { create, fromJson, toBinary, type DescMessage, type JsonValue, type Message } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { ClusterSchema } from '../../src/xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/xds/gen/envoy/config/route/v3/route_pb.js';
import { DiscoveryResponseSchema } from '../../src/xds/gen/envoy/service/discovery/v3/discovery_pb.js';
import { registry } from '../../src/xds/registry.js';
import { applyByteEdits, byteEdit, type ByteEdit } from './byte-mutation.js';
import { applyEdits, edit, INTERNAL_ERROR, type Edit, type Json } from './doc-mutation.js';
import type { FuzzTarget } from './runner.js';
import { withHarness, XDS_TYPES, type XdsHarness, type Outcome } from './xds-harness.js';
import { ASSIGNMENTS, CLUSTERS, LISTENERS, ROUTE_CONFIGS } from './xds-seeds.js';

const SCHEMAS: DescMessage[] = [ClusterSchema, ClusterLoadAssignmentSchema, ListenerSchema, RouteConfigurationSchema];
const SEEDS: Json[][] = [CLUSTERS, ASSIGNMENTS, LISTENERS, ROUTE_CONFIGS];

/** The seed with each edit kept only if the result is still a valid message of its type (as a server would send). */
function editedMessage(type: number, seed: number, edits: readonly Edit[]): Message {
  const schema = SCHEMAS[type]!;
  const seeds = SEEDS[type]!;
  let doc: Json = seeds[seed % seeds.length]!;
  let message = fromJson(schema, doc as JsonValue, { registry });
  for (const e of edits) {
    if (e.op === 'nest') continue;
    const next = applyEdits(doc, [e]) as Json;
    try {
      message = fromJson(schema, next as JsonValue, { registry });
      doc = next;
    } catch {
      // not expressible on the wire: skip this edit
    }
  }
  return message;
}

/** The wire form of a response of `type` carrying `values` as its resources. */
export function responseBytes(type: number, values: { typeUrl: string; value: Uint8Array }[], version: string): Uint8Array {
  return toBinary(DiscoveryResponseSchema, create(DiscoveryResponseSchema, { versionInfo: version, typeUrl: XDS_TYPES[type],
    nonce: 'n', resources: values }));
}

function checkOutcome(o: Outcome): void {
  if (o.kind !== 'nack') return;
  assert.notEqual(o.message, '', 'a NACK says why');
  assert.doesNotMatch(o.message, INTERNAL_ERROR, `an internal failure passed off as a NACK: ${o.message.slice(0, 300)}`);
}

/** Applies every seed once (CDS, EDS, LDS, RDS), as a first push; each must be ACKed. */
export function applyBaseline(h: XdsHarness): void {
  SEEDS.forEach((seeds, type) => {
    // Both route seeds share a name: the first goes in the baseline, the second only as a mutation.
    const list = type === 3 ? seeds.slice(0, 1) : seeds;
    const values = list.map((d) => ({ typeUrl: XDS_TYPES[type]!, value: toBinary(SCHEMAS[type]!, fromJson(SCHEMAS[type]!, d as JsonValue, { registry })) }));
    const o = h.deliver(responseBytes(type, values, 'baseline'));
    assert.deepEqual(o, { kind: 'ack' }, `the baseline ${XDS_TYPES[type]} response is accepted`);
  });
}

/** One resource: a seed, its JSON edits, then edits of its encoded bytes; `typeUrl` may name another type. */
interface ResourceCase { seed: number; edits: Edit[]; bytes: ByteEdit[]; typeUrl: number | null }
interface ResponseCase { type: number; resources: ResourceCase[]; version: string; wire: ByteEdit[] }
export interface MutatedXdsCase { baseline: boolean; responses: ResponseCase[] }

const typeIndex = fc.integer({ min: 0, max: XDS_TYPES.length - 1 });

const mutatedCase: fc.Arbitrary<MutatedXdsCase> = fc.record({
  baseline: fc.boolean(),
  responses: fc.array(fc.record({
    type: typeIndex,
    resources: fc.array(fc.record({
      seed: fc.nat(),
      edits: fc.array(edit, { maxLength: 6 }),
      bytes: fc.oneof({ arbitrary: fc.constant([] as ByteEdit[]), weight: 3 }, fc.array(byteEdit, { minLength: 1, maxLength: 3 })),
      typeUrl: fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, typeIndex),
    }), { maxLength: 4 }),
    version: fc.oneof(fc.constantFrom('1', '2', ''), fc.string({ maxLength: 8 })),
    wire: fc.oneof({ arbitrary: fc.constant([] as ByteEdit[]), weight: 5 }, fc.array(byteEdit, { minLength: 1, maxLength: 2 })),
  }), { minLength: 1, maxLength: 4 }),
});

function deliverMutated(h: XdsHarness, c: MutatedXdsCase): void {
  if (c.baseline) applyBaseline(h);
  for (const r of c.responses) {
    const values = r.resources.map((res) => ({
      typeUrl: XDS_TYPES[res.typeUrl ?? r.type]!,
      value: applyByteEdits(toBinary(SCHEMAS[r.type]!, editedMessage(r.type, res.seed, res.edits)), res.bytes),
    }));
    checkOutcome(h.deliver(applyByteEdits(responseBytes(r.type, values, r.version), r.wire)));
  }
}

export function xdsMutatedTarget(): FuzzTarget<MutatedXdsCase> {
  return {
    name: 'xds-mutated',
    property: 'valid CDS/EDS/LDS/RDS resources mutated (JSON fields, resource bytes, response bytes) are ACKed or NACKed with a reason; nothing throws',
    arbitrary: mutatedCase,
    caseTimeoutMs: 5000,
    start: () => ({ check: (c) => withHarness((h) => deliverMutated(h, c)) }),
  };
}

/** Random bytes as one resource of `type` (0-3), or as a whole response (4). */
export interface RandomXdsCase { baseline: boolean; type: number; bytes: Uint8Array }

export function xdsRandomTarget(): FuzzTarget<RandomXdsCase> {
  return {
    name: 'xds-random-bytes',
    property: 'random bytes as a resource of each type, or as a whole DiscoveryResponse, are ACKed or NACKed with a reason (or fail decoding as gRPC would); nothing throws',
    arbitrary: fc.record({ baseline: fc.boolean(), type: fc.integer({ min: 0, max: XDS_TYPES.length }),
      bytes: fc.uint8Array({ maxLength: 512 }) }),
    caseTimeoutMs: 5000,
    start: () => ({
      check: (c) => withHarness((h) => {
        if (c.baseline) applyBaseline(h);
        const wire = c.type === XDS_TYPES.length ? c.bytes : responseBytes(c.type, [{ typeUrl: XDS_TYPES[c.type]!, value: c.bytes }], 'r');
        checkOutcome(h.deliver(wire));
      }),
    }),
  };
}
