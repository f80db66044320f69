// The in-band frame of Istio's TCP metadata exchange (ALPN istio-peer-exchange): a 4-byte magic and a
// 4-byte length (network order), then a google.protobuf.Any holding a Struct of the node's metadata and id.
import { create, fromBinary, toBinary, toJson, type JsonObject } from '@bufbuild/protobuf';
import { AnySchema, StructSchema } from '@bufbuild/protobuf/wkt';
import { PEER_ID_HEADER, PEER_METADATA_HEADER } from './peer-metadata-filter.js';
import { exchangedMetadata, structBytes } from './peer-metadata-codec.js';

/** MetadataExchangeInitialHeader's magic number. */
export const EXCHANGE_MAGIC = 0x3d230467;
/** Magic and data size, 4 bytes each. */
export const EXCHANGE_HEADER_BYTES = 8;
const STRUCT_TYPE_URL = 'type.googleapis.com/google.protobuf.Struct';
/**
 * The largest payload a reader waits for. Istio sets no limit (its buffer limits stall the connection);
 * a frame past this is treated as absent, so a garbage length never makes Strait buffer without bound.
 */
export const MAX_EXCHANGE_PAYLOAD = 64 * 1024;

/** A node as the frame carries it. */
export interface ExchangedNode {
  readonly id: string;
  readonly metadata: JsonObject;
}

/** The frame a proxy sends: its exchanged metadata keys and (when it has one) its node id. */
export function encodeExchangeFrame(id: string, nodeMetadata: JsonObject | undefined): Buffer {
  const fields: JsonObject = { [PEER_METADATA_HEADER]: exchangedMetadata(nodeMetadata) };
  if (id !== '') fields[PEER_ID_HEADER] = id;
  const any = create(AnySchema, { typeUrl: STRUCT_TYPE_URL, value: structBytes(fields) });
  const payload = toBinary(AnySchema, any);
  const frame = Buffer.allocUnsafe(EXCHANGE_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(EXCHANGE_MAGIC, 0);
  frame.writeUInt32BE(payload.length, 4);
  frame.set(payload, EXCHANGE_HEADER_BYTES);
  return frame;
}

/** What a reader made of the start of a stream. */
export type ExchangeRead =
  /** Not enough bytes yet: everything so far is held. */
  | { readonly kind: 'more' }
  /** A frame: the peer (absent when it carried no metadata key) and the bytes after it. */
  | { readonly kind: 'peer'; readonly peer: ExchangedNode | undefined; readonly rest: Buffer }
  /** No frame (a wrong magic or oversized length, or an undecodable payload): these bytes pass on as they are. */
  | { readonly kind: 'none'; readonly reason: 'header' | 'payload'; readonly rest: Buffer };

/** The Any's Struct as a node; undefined when the payload does not decode (as Istio's ParseFromString failing). */
export function decodeExchangePayload(payload: Uint8Array): ExchangedNode | undefined | 'invalid' {
  let fields: JsonObject;
  try {
    // As Istio's anyConvert: the value is read as a Struct whatever the type URL says.
    const any = fromBinary(AnySchema, payload);
    fields = toJson(StructSchema, fromBinary(StructSchema, any.value)) as JsonObject;
  } catch {
    return 'invalid';
  }
  const md = fields[PEER_METADATA_HEADER];
  const id = fields[PEER_ID_HEADER];
  if (md === undefined && id === undefined) return undefined;
  return {
    id: typeof id === 'string' ? id : '',
    // A non-Struct value reads as an empty Struct (protobuf's struct_value() of another kind).
    metadata: md !== null && typeof md === 'object' && !Array.isArray(md) ? md : {},
  };
}

/**
 * Reads the peer's frame off the start of a stream, across chunks. As Istio's filter: a wrong magic
 * leaves the bytes untouched; an undecodable payload is passed on after its header.
 */
export class ExchangeReader {
  private held: Buffer[] = [];
  private heldBytes = 0;

  /** Adds bytes; 'more' holds them until the frame is complete. */
  push(chunk: Buffer): ExchangeRead {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes < EXCHANGE_HEADER_BYTES) return { kind: 'more' };
    const data = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldBytes);
    this.held = [data];
    if (data.readUInt32BE(0) !== EXCHANGE_MAGIC) return this.done({ kind: 'none', reason: 'header', rest: data });
    const size = data.readUInt32BE(4);
    if (size > MAX_EXCHANGE_PAYLOAD) return this.done({ kind: 'none', reason: 'header', rest: data });
    if (data.length < EXCHANGE_HEADER_BYTES + size) return { kind: 'more' };
    const end = EXCHANGE_HEADER_BYTES + size;
    const peer = decodeExchangePayload(data.subarray(EXCHANGE_HEADER_BYTES, end));
    if (peer === 'invalid') return this.done({ kind: 'none', reason: 'payload', rest: data.subarray(EXCHANGE_HEADER_BYTES) });
    return this.done({ kind: 'peer', peer, rest: data.subarray(end) });
  }

  /** The stream ended before a whole frame: what was held passes on. */
  end(): Buffer {
    const rest = Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    return rest;
  }

  private done(r: ExchangeRead): ExchangeRead {
    this.held = [];
    this.heldBytes = 0;
    return r;
  }
}
