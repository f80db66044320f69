// DiscoveryResponse encoding with the resources part shared: every stream that is sent the same
// resources (a push to many proxies of one snapshot) reuses one encoding of them, and only its
// own version, type URL and nonce are encoded per stream. Protobuf allows fields in any order.
import { create, toBinary } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { DiscoveryResponseSchema, type DiscoveryResponse } from '../gen/envoy/service/discovery/v3/discovery_pb.js';

interface Encoded {
  readonly resources: readonly Any[];
  readonly bytes: Uint8Array;
}

/** Keyed by the first resource (Anys are shared, immutable snapshot objects). */
const cache = new WeakMap<Any, Encoded>();

function sameResources(a: readonly Any[], b: readonly Any[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The wire form of a DiscoveryResponse, identical in meaning to toBinary's. */
export function encodeDiscoveryResponse(m: DiscoveryResponse): Buffer {
  const resources = m.resources;
  if (resources.length < 2) return Buffer.from(toBinary(DiscoveryResponseSchema, m));
  let enc = cache.get(resources[0]);
  if (enc === undefined || !sameResources(enc.resources, resources)) {
    enc = { resources: [...resources], bytes: toBinary(DiscoveryResponseSchema, create(DiscoveryResponseSchema, { resources })) };
    cache.set(resources[0], enc);
  }
  const head = toBinary(DiscoveryResponseSchema, create(DiscoveryResponseSchema, {
    versionInfo: m.versionInfo, canary: m.canary, typeUrl: m.typeUrl, nonce: m.nonce, controlPlane: m.controlPlane,
  }));
  return Buffer.concat([head, enc.bytes]);
}
