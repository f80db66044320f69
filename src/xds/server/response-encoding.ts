// DiscoveryResponse encoding with the resources part shared: a resource list (an immutable array of
// a snapshot's Anys) is encoded as runs of resources, each run once for every list that holds it at
// the same place (proxies' lists share most of their resources), so a list costs a few references,
// not a copy per proxy; only the version, type URL and nonce are encoded per response. Delta
// responses encode each (shared, immutable) Resource once and share runs of them the same way.
// Protobuf allows fields in any order.
import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import {
  DeltaDiscoveryResponseSchema, DiscoveryResponseSchema, ResourceSchema,
  type DeltaDiscoveryResponse, type DiscoveryResponse, type Resource,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';

/** DiscoveryResponse.resources and DeltaDiscoveryResponse.resources are field 2, length-delimited: tag (2 << 3) | 2. */
const RESOURCES_TAG = 0x12;

/** Whole lists as their runs' bytes, keyed by the array (a list's contents never change once sent). */
const lists = new WeakMap<readonly Any[], Buffer[]>();
/** Resources per run. */
const RUN = 128;
/** Runs by their first and last item (lists sharing both may still differ between them: checked). */
const runs = new WeakMap<object, WeakMap<object, { items: readonly object[]; bytes: Buffer }[]>>();
const MAX_CANDIDATES = 4;
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

/** The `resources` field entries of items[from, to), shared with every list holding the same run. */
function runOf<T extends object>(items: readonly T[], from: number, to: number, entry: (item: T) => Buffer): Buffer {
  let byLast = runs.get(items[from]);
  if (byLast === undefined) runs.set(items[from], (byLast = new WeakMap()));
  let candidates = byLast.get(items[to - 1]);
  if (candidates === undefined) byLast.set(items[to - 1], (candidates = []));
  for (const c of candidates) {
    if (c.items.length === to - from && c.items.every((a, i) => a === items[from + i])) return c.bytes;
  }
  const run = items.slice(from, to);
  const bytes = Buffer.concat(run.map(entry));
  candidates.unshift({ items: run, bytes });
  if (candidates.length > MAX_CANDIDATES) candidates.pop();
  return bytes;
}

/** A list's entries as runs of RUN items, each run's buffer shared by the lists holding it. */
function runsOf<T extends object>(items: readonly T[], entry: (item: T) => Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let from = 0; from < items.length; from += RUN) out.push(runOf(items, from, Math.min(items.length, from + RUN), entry));
  return out;
}

const anyEntry = (a: Any): Buffer => field2(toBinary(AnySchema, a));

function listOf(resources: readonly Any[]): Buffer[] {
  let l = lists.get(resources);
  if (l === undefined) lists.set(resources, (l = runsOf(resources, anyEntry)));
  return l;
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
  // Each stream builds its own list of shared Resources: many are joined in runs that streams sending
  // the same Resources in the same order share, not copied into one buffer per stream.
  const shared = m.resources.length > MAX_CHUNKS ? runsOf(m.resources, deltaEntryOf) : m.resources.map(deltaEntryOf);
  return { own, shared };
}

/** The wire form of a DeltaDiscoveryResponse, identical in meaning to toBinary's. */
export function encodeDeltaDiscoveryResponse(m: DeltaDiscoveryResponse): Buffer {
  const { own, shared } = deltaResponseParts(m);
  return Buffer.concat([own, ...shared]);
}

/**
 * A response as its own part (version, type URL, nonce: a few bytes) and its resources part: the
 * runs' buffers, the same for every response carrying the same runs. Empty `shared` for an empty list.
 */
export function discoveryResponseParts(m: DiscoveryResponse): { own: Buffer; shared: Buffer[] } {
  const resources = m.resources;
  if (resources.length === 0) return { own: Buffer.from(toBinary(DiscoveryResponseSchema, m)), shared: [] };
  const own = Buffer.from(toBinary(DiscoveryResponseSchema, create(DiscoveryResponseSchema, {
    versionInfo: m.versionInfo, canary: m.canary, typeUrl: m.typeUrl, nonce: m.nonce, controlPlane: m.controlPlane,
  })));
  return { own, shared: listOf(resources) };
}

/** The wire form of a DiscoveryResponse, identical in meaning to toBinary's. */
export function encodeDiscoveryResponse(m: DiscoveryResponse): Buffer {
  const { own, shared } = discoveryResponseParts(m);
  return Buffer.concat([own, ...shared]);
}
