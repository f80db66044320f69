// Unit tests of Istio's TCP metadata exchange: the frame's bytes, reading it across chunks, what passes
// on for truncated and garbage input (never a throw), the filter config, the ALPN gate, cluster filters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { AnySchema, StructSchema, anyPack } from '@bufbuild/protobuf/wkt';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { StatsStore } from '../stats/store.js';
import {
  EXCHANGE_MAGIC, ExchangeReader, MAX_EXCHANGE_PAYLOAD, decodeExchangePayload, encodeExchangeFrame,
} from './tcp-exchange-wire.js';
import { ExchangeConfigError, MetadataExchangeConfig, parseMetadataExchange } from './tcp-metadata-exchange.js';
import { TypedStructSchema } from '../../xds/gen/xds/type/v3/typed_struct_pb.js';
import { NodeSchema } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { FilterSchema as ClusterFilterSchema } from '../../xds/gen/envoy/config/cluster/v3/filter_pb.js';
import type { PathError } from '../bootstrap/config-error.js';
import { upstreamNetworkFilters } from '../upstream/upstream-filters.js';

const METADATA = {
  NAME: 'tcp-echo-7f9c-abcde', NAMESPACE: 'default', WORKLOAD_NAME: 'tcp-echo', CLUSTER_ID: 'Kubernetes',
  ISTIO_VERSION: '1.22.0', LABELS: { app: 'tcp-echo', version: 'v1', team: 'x' },
};
const ID = 'sidecar~127.77.0.5~tcp-echo-7f9c-abcde.default~default.svc.cluster.local';

test('the frame is the magic, the length and an Any of a Struct with the metadata and the id', () => {
  const frame = encodeExchangeFrame(ID, METADATA);
  assert.deepEqual([...frame.subarray(0, 4)], [0x3d, 0x23, 0x04, 0x67]);
  assert.equal(frame.readUInt32BE(4), frame.length - 8);
  const any = fromBinary(AnySchema, frame.subarray(8));
  assert.equal(any.typeUrl, 'type.googleapis.com/google.protobuf.Struct');
  // Field 1 (type_url) comes first: tag 0x0a, then its 42-byte length.
  assert.deepEqual([...frame.subarray(8, 10)], [0x0a, 42]);
  const struct = toJson(StructSchema, fromBinary(StructSchema, any.value));
  assert.deepEqual(struct, {
    'x-envoy-peer-metadata': {
      NAME: 'tcp-echo-7f9c-abcde', NAMESPACE: 'default', WORKLOAD_NAME: 'tcp-echo', CLUSTER_ID: 'Kubernetes',
      LABELS: { app: 'tcp-echo', version: 'v1' },
    },
    'x-envoy-peer-metadata-id': ID,
  });
  assert.deepEqual(encodeExchangeFrame(ID, { ...METADATA, LABELS: { team: 'x', version: 'v1', app: 'tcp-echo' } }), frame,
    'deterministic whatever the key order');
  const noId = toJson(StructSchema, fromBinary(StructSchema, fromBinary(AnySchema, encodeExchangeFrame('', undefined).subarray(8)).value));
  assert.deepEqual(noId, { 'x-envoy-peer-metadata': {} }, 'no id field without a node id');
});

test('a frame is read whole, in one chunk or a byte at a time, and what follows it passes on', () => {
  const frame = encodeExchangeFrame(ID, METADATA);
  const data = Buffer.from('hello after the frame');
  const one = new ExchangeReader().push(Buffer.concat([frame, data]));
  assert.equal(one.kind, 'peer');
  assert.ok(one.kind === 'peer');
  assert.equal(one.peer?.id, ID);
  assert.equal(one.peer?.metadata['WORKLOAD_NAME'], 'tcp-echo');
  assert.deepEqual(one.rest, data);

  const r = new ExchangeReader();
  const all = Buffer.concat([frame, data]);
  for (let i = 0; i < frame.length - 1; i++) assert.equal(r.push(all.subarray(i, i + 1)).kind, 'more', `byte ${i}`);
  const last = r.push(all.subarray(frame.length - 1));
  assert.ok(last.kind === 'peer');
  assert.equal(last.peer?.metadata['NAMESPACE'], 'default');
  assert.deepEqual(last.rest, data);
});

test('no frame: a wrong magic passes every byte on, untouched', () => {
  const bytes = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const r = new ExchangeReader().push(bytes);
  assert.ok(r.kind === 'none');
  assert.equal(r.reason, 'header');
  assert.deepEqual(r.rest, bytes);
  const split = new ExchangeReader();
  assert.equal(split.push(bytes.subarray(0, 3)).kind, 'more');
  const rest = split.push(bytes.subarray(3));
  assert.ok(rest.kind === 'none');
  assert.deepEqual(rest.rest, bytes, 'bytes held while waiting for the header come back whole');
});

test('an oversized length is no frame; an undecodable payload passes on after its header, as Istio', () => {
  const big = Buffer.alloc(16);
  big.writeUInt32BE(EXCHANGE_MAGIC, 0);
  big.writeUInt32BE(MAX_EXCHANGE_PAYLOAD + 1, 4);
  const r = new ExchangeReader().push(big);
  assert.ok(r.kind === 'none');
  assert.deepEqual(r.rest, big);

  const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
  const frame = Buffer.alloc(8);
  frame.writeUInt32BE(EXCHANGE_MAGIC, 0);
  frame.writeUInt32BE(garbage.length, 4);
  const g = new ExchangeReader().push(Buffer.concat([frame, garbage, Buffer.from('tail')]));
  assert.ok(g.kind === 'none');
  assert.equal(g.reason, 'payload');
  assert.deepEqual(g.rest, Buffer.concat([garbage, Buffer.from('tail')]));
});

test('a truncated frame gives its bytes back at the end of the stream', () => {
  const frame = encodeExchangeFrame(ID, METADATA);
  const r = new ExchangeReader();
  assert.equal(r.push(frame.subarray(0, 20)).kind, 'more');
  assert.deepEqual(r.end(), frame.subarray(0, 20));
});

test('payloads: a Struct without the keys is no peer; a non-Struct metadata value is an empty one', () => {
  const any = (fields: Record<string, unknown>): Uint8Array => toBinary(AnySchema, create(AnySchema, {
    typeUrl: 'type.googleapis.com/google.protobuf.Struct',
    value: toBinary(StructSchema, fromJsonStruct(fields)),
  }));
  assert.equal(decodeExchangePayload(any({ other: 1 })), undefined);
  assert.deepEqual(decodeExchangePayload(any({ 'x-envoy-peer-metadata': 'text', 'x-envoy-peer-metadata-id': 'n1' })),
    { id: 'n1', metadata: {} });
  assert.equal(decodeExchangePayload(Buffer.from([0x0a, 0x05, 0x41])), 'invalid');
});

function fromJsonStruct(fields: Record<string, unknown>): ReturnType<typeof create<typeof StructSchema>> {
  return create(StructSchema, {
    fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string'
      ? { kind: { case: 'stringValue' as const, value: v } } : { kind: { case: 'numberValue' as const, value: Number(v) } }])),
  });
}

test('random input never throws: every byte comes back as a frame\'s rest or passed on', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.integer({ min: 1, max: 17 }), (bytes, magic, step) => {
    const buf = Buffer.from(bytes);
    if (magic && buf.length >= 4) buf.writeUInt32BE(EXCHANGE_MAGIC, 0);
    const r = new ExchangeReader();
    let out = 0;
    let framed = false;
    for (let i = 0; i < buf.length; i += step) {
      const res = r.push(buf.subarray(i, i + step));
      if (res.kind !== 'more') {
        out = res.rest.length + buf.length - Math.min(buf.length, i + step);
        framed = res.kind === 'peer' || res.reason === 'payload';
        return framed ? out <= buf.length : out === buf.length;
      }
    }
    return r.end().length === buf.length;
  }), { numRuns: 500 });
});

test('the config: TypedStruct JSON or the message\'s own bytes; a bad one names its field', () => {
  assert.deepEqual(parseMetadataExchange({ protocol: 'istio-peer-exchange', enable_discovery: true }, anyPack(TypedStructSchema, create(TypedStructSchema))),
    { protocol: 'istio-peer-exchange' });
  const w = new BinaryWriter();
  w.tag(1, 2).string('istio-peer-exchange');
  w.tag(2, 0).bool(true);
  const raw = create(AnySchema, { typeUrl: 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange', value: w.finish() });
  assert.deepEqual(parseMetadataExchange(undefined, raw), { protocol: 'istio-peer-exchange' });
  const fails = (json: Record<string, unknown>, field: string): void => {
    assert.throws(() => parseMetadataExchange(json as never, raw), (e: unknown) => e instanceof ExchangeConfigError && e.field === field);
  };
  fails({}, 'protocol');
  fails({ protocol: 7 }, 'protocol');
  fails({ protocol: 'p', bogus: 1 }, 'bogus');
  fails({ protocol: 'p', additional_labels: ['x'] }, 'additional_labels');
  const garbage = create(AnySchema, { typeUrl: raw.typeUrl, value: new Uint8Array([0x0a, 0x7f, 0x41]) });
  assert.throws(() => parseMetadataExchange(undefined, garbage), (e: unknown) => e instanceof ExchangeConfigError && e.field === ''
    && /^cannot decode type\.googleapis\.com\/envoy\.tcp\.metadataexchange/.test(e.message));
});

test('the exchange runs only on its ALPN; it sends its frame once and counts as Istio', () => {
  const store = new StatsStore();
  const cfg = new MetadataExchangeConfig({ protocol: 'istio-peer-exchange' });
  const node = create(NodeSchema, { id: ID, metadata: METADATA });
  assert.equal(cfg.start('h2', node, store), null);
  assert.equal(cfg.start(undefined, node, store), null);
  const x = cfg.start('istio-peer-exchange', node, store);
  assert.ok(x !== null);
  assert.deepEqual(x.takeFrame(), encodeExchangeFrame(ID, METADATA));
  assert.equal(x.takeFrame(), null);
  const peer = encodeExchangeFrame('client~1', { NAMESPACE: 'other', WORKLOAD_NAME: 'sleep' });
  assert.equal(x.read(peer.subarray(0, 5)), null);
  assert.equal(x.settled, false);
  assert.deepEqual(x.read(Buffer.concat([peer.subarray(5), Buffer.from('data')])), Buffer.from('data'));
  assert.equal(x.settled, true);
  assert.equal(x.peer?.metadata['WORKLOAD_NAME'], 'sleep');
  assert.deepEqual(x.read(Buffer.from('more')), Buffer.from('more'));
  const v = (n: string): number => store.counter(`metadata_exchange.${n}`).value;
  assert.equal(v('alpn_protocol_not_found'), 2);
  assert.equal(v('alpn_protocol_found'), 1);
  assert.equal(v('metadata_added'), 1);
  const bad = cfg.start('istio-peer-exchange', node, store)!;
  assert.deepEqual(bad.read(Buffer.from('not a frame')), Buffer.from('not a frame'));
  assert.equal(bad.peer, undefined);
  assert.equal(v('initial_header_not_found'), 2);
});

test('a cluster\'s filters: the upstream exchange is read; any other upstream filter is refused with its path', () => {
  const mx = anyPack(TypedStructSchema, create(TypedStructSchema, {
    typeUrl: 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange', value: { protocol: 'istio-peer-exchange' },
  }));
  const errors: PathError[] = [];
  const cfg = upstreamNetworkFilters([create(ClusterFilterSchema, { name: 'istio.metadata_exchange', typedConfig: mx })], errors);
  assert.deepEqual(errors, []);
  assert.equal(cfg?.fields.protocol, 'istio-peer-exchange');
  const other = anyPack(TypedStructSchema, create(TypedStructSchema, { typeUrl: 'type.googleapis.com/acme.Compressor', value: {} }));
  const bad = anyPack(TypedStructSchema, create(TypedStructSchema, {
    typeUrl: 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange', value: { protocol: '' },
  }));
  upstreamNetworkFilters([create(ClusterFilterSchema, { name: 'acme', typedConfig: other }),
    create(ClusterFilterSchema, { name: 'mx' }), create(ClusterFilterSchema, { name: 'mx', typedConfig: bad })], errors);
  assert.deepEqual(errors, [
    { path: ['filters', 0, 'typed_config', { key: '@type' }], message: 'Didn\'t find a registered implementation for \'acme\' with type URL: \'acme.Compressor\'' },
    { path: ['filters', 1, 'typed_config'], message: 'upstream network filter \'mx\' needs a typed_config' },
    { path: ['filters', 2, 'typed_config', 'protocol'], message: 'value length must be at least 1 characters' },
  ]);
});
