// The x-envoy-peer-metadata header value: base64 of a deterministically serialized
// google.protobuf.Struct holding the node metadata keys Istio exchanges (LABELS filtered).
import { fromJson, toBinary, fromBinary, toJson, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { StructSchema } from '@bufbuild/protobuf/wkt';

/** Node metadata keys a proxy sends its peer (current Istio). */
const EXCHANGED_KEYS = ['NAME', 'NAMESPACE', 'OWNER', 'WORKLOAD_NAME', 'CLUSTER_ID', 'LABELS', 'PLATFORM_METADATA'] as const;

/** The only labels sent. */
const EXCHANGED_LABELS = ['app', 'version', 'service.istio.io/canonical-name', 'service.istio.io/canonical-revision'];

/** The Struct a proxy sends for its node metadata. */
export function exchangedMetadata(metadata: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  if (metadata === undefined) return out;
  for (const key of EXCHANGED_KEYS) {
    const v = metadata[key];
    if (v === undefined || v === null) continue;
    if (key === 'LABELS' && typeof v === 'object' && !Array.isArray(v)) {
      const labels: JsonObject = {};
      for (const l of EXCHANGED_LABELS) if (typeof v[l] === 'string') labels[l] = v[l];
      out[key] = labels;
    } else {
      out[key] = v;
    }
  }
  return out;
}

/** A copy with every object's keys sorted, so map entries serialize in key order (deterministic). */
function sorted(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sorted);
  if (v === null || typeof v !== 'object') return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sorted(v[k]!);
  return out;
}

/** The Struct's binary form, map entries in key order (as Istio's deterministic serialization). */
export function structBytes(struct: JsonObject): Uint8Array {
  return toBinary(StructSchema, fromJson(StructSchema, sorted(struct)));
}

/** Standard base64 of the Struct's binary form. */
export function encodePeerMetadata(struct: JsonObject): string {
  return Buffer.from(structBytes(struct)).toString('base64');
}

/** The Struct in a header value (padded or not); undefined when it does not decode. */
export function decodePeerMetadata(value: string): JsonObject | undefined {
  try {
    const bytes = Buffer.from(value, 'base64');
    return toJson(StructSchema, fromBinary(StructSchema, bytes)) as JsonObject;
  } catch {
    return undefined;
  }
}
