// DiscoveryResponse encoding with the resources part shared: each resource (an immutable Any of
// a snapshot) is encoded once, and so is a whole resource list (the same array, as streams share
// a snapshot's selection); only the version, type URL and nonce are encoded per response.
// Protobuf allows fields in any order.
import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { DiscoveryResponseSchema, type DiscoveryResponse } from '../gen/envoy/service/discovery/v3/discovery_pb.js';

/** DiscoveryResponse.resources is field 2, length-delimited: tag (2 << 3) | 2. */
const RESOURCES_TAG = 0x12;

/** Whole lists, keyed by the array (a list's contents never change once sent). */
const lists = new WeakMap<readonly Any[], Buffer>();
/** One `resources` field entry (tag, length, Any bytes) per resource. */
const entries = new WeakMap<Any, Buffer>();

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}

function entryOf(any: Any): Buffer {
  let e = entries.get(any);
  if (e === undefined) {
    const body = toBinary(AnySchema, any);
    e = Buffer.concat([Buffer.from([RESOURCES_TAG, ...varint(body.length)]), body]);
    entries.set(any, e);
  }
  return e;
}

/**
 * A response as its own part (version, type URL, nonce: a few bytes) and its resources part, which
 * is the same buffer for every response carrying the same list. `shared` is undefined for lists too
 * small to be worth sharing (then `own` is the whole response).
 */
export function discoveryResponseParts(m: DiscoveryResponse): { own: Buffer; shared?: Buffer } {
  const resources = m.resources;
  if (resources.length < 2) return { own: Buffer.from(toBinary(DiscoveryResponseSchema, m)) };
  let shared = lists.get(resources);
  if (shared === undefined) {
    shared = Buffer.concat(resources.map(entryOf));
    lists.set(resources, shared);
  }
  const own = Buffer.from(toBinary(DiscoveryResponseSchema, create(DiscoveryResponseSchema, {
    versionInfo: m.versionInfo, canary: m.canary, typeUrl: m.typeUrl, nonce: m.nonce, controlPlane: m.controlPlane,
  })));
  return { own, shared };
}

/** The wire form of a DiscoveryResponse, identical in meaning to toBinary's. */
export function encodeDiscoveryResponse(m: DiscoveryResponse): Buffer {
  const { own, shared } = discoveryResponseParts(m);
  return shared === undefined ? own : Buffer.concat([own, shared]);
}
