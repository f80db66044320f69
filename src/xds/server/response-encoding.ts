// DiscoveryResponse encoding with the resources part shared: each resource (an immutable Any of
// a snapshot) is encoded once, and so is a whole resource list (the same array, as streams share
// a snapshot's selection); only the version, type URL and nonce are encoded per response. Delta
// responses likewise encode each (shared, immutable) Resource once. Protobuf allows fields in any order.
import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import {
  DeltaDiscoveryResponseSchema, DiscoveryResponseSchema, ResourceSchema,
  type DeltaDiscoveryResponse, type DiscoveryResponse, type Resource,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';

/** DiscoveryResponse.resources and DeltaDiscoveryResponse.resources are field 2, length-delimited: tag (2 << 3) | 2. */
const RESOURCES_TAG = 0x12;

/** Whole lists, keyed by the array (a list's contents never change once sent). */
const lists = new WeakMap<readonly Any[], Buffer>();
/** One `resources` field entry (tag, length, Any bytes) per resource. */
const entries = new WeakMap<Any, Buffer>();
/** One delta `resources` field entry (tag, length, Resource bytes) per Resource (shared by delta streams, never mutated). */
const deltaEntries = new WeakMap<Resource, Buffer>();

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}

function field2(body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([RESOURCES_TAG, ...varint(body.length)]), body]);
}

function entryOf(any: Any): Buffer {
  let e = entries.get(any);
  if (e === undefined) entries.set(any, (e = field2(toBinary(AnySchema, any))));
  return e;
}

function deltaEntryOf(r: Resource): Buffer {
  let e = deltaEntries.get(r);
  if (e === undefined) deltaEntries.set(r, (e = field2(toBinary(ResourceSchema, r))));
  return e;
}

/** Up to this many shared chunks are written as they are; more are joined into one (one write per chunk costs too). */
const MAX_CHUNKS = 8;

/**
 * A delta response as its own part (version, type URL, nonce, removals) and its Resources, each a
 * buffer shared with every stream sending the same Resource. Empty `shared` when there are none.
 */
export function deltaResponseParts(m: DeltaDiscoveryResponse): { own: Buffer; shared: Buffer[] } {
  if (m.resources.length === 0) return { own: Buffer.from(toBinary(DeltaDiscoveryResponseSchema, m)), shared: [] };
  const own = Buffer.from(toBinary(DeltaDiscoveryResponseSchema, create(DeltaDiscoveryResponseSchema, {
    systemVersionInfo: m.systemVersionInfo, typeUrl: m.typeUrl, removedResources: m.removedResources,
    removedResourceNames: m.removedResourceNames, nonce: m.nonce, controlPlane: m.controlPlane,
  })));
  const shared = m.resources.map(deltaEntryOf);
  return { own, shared: shared.length > MAX_CHUNKS ? [Buffer.concat(shared)] : shared };
}

/** The wire form of a DeltaDiscoveryResponse, identical in meaning to toBinary's. */
export function encodeDeltaDiscoveryResponse(m: DeltaDiscoveryResponse): Buffer {
  const { own, shared } = deltaResponseParts(m);
  return Buffer.concat([own, ...shared]);
}

/**
 * A response as its own part (version, type URL, nonce: a few bytes) and its resources part, which
 * is the same buffer for every response carrying the same list. Empty `shared` for an empty list.
 */
export function discoveryResponseParts(m: DiscoveryResponse): { own: Buffer; shared: Buffer[] } {
  const resources = m.resources;
  if (resources.length === 0) return { own: Buffer.from(toBinary(DiscoveryResponseSchema, m)), shared: [] };
  let shared = lists.get(resources);
  if (shared === undefined) {
    shared = Buffer.concat(resources.map(entryOf));
    lists.set(resources, shared);
  }
  const own = Buffer.from(toBinary(DiscoveryResponseSchema, create(DiscoveryResponseSchema, {
    versionInfo: m.versionInfo, canary: m.canary, typeUrl: m.typeUrl, nonce: m.nonce, controlPlane: m.controlPlane,
  })));
  return { own, shared: [shared] };
}

/** The wire form of a DiscoveryResponse, identical in meaning to toBinary's. */
export function encodeDiscoveryResponse(m: DiscoveryResponse): Buffer {
  const { own, shared } = discoveryResponseParts(m);
  return Buffer.concat([own, ...shared]);
}
