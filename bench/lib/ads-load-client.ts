// A lightweight ADS client for load generation: many streams over a few HTTP/2 connections, each
// ACKing every response, state of the world or delta. It speaks gRPC's framing on node:http2 itself
// and reads each response in place (version, type and nonce only; resources are skipped, never
// copied), so what it costs per byte stays small beside the server it measures.
import http2 from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import type { JsonObject } from '@bufbuild/protobuf';
import { DeltaDiscoveryRequestSchema, DiscoveryRequestSchema } from '../../src/xds/gen/envoy/service/discovery/v3/discovery_pb.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const DELTA_ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';
/** Flow-control windows large enough that the server is never held back by this client's reads. */
const WINDOW = 1 << 30;
/** The largest DATA frame it takes (HTTP/2's maximum): fewer, larger frames cost both sides less per byte. */
const MAX_FRAME = (1 << 24) - 1;

/**
 * A cursor over the chunks of one message as they arrived: reads varints and short strings, and
 * skips long fields across chunk boundaries without joining the chunks.
 */
class ChunkCursor {
  private c = 0;
  private buf: Buffer;
  private i = 0;
  constructor(private readonly chunks: readonly Buffer[]) {
    this.buf = chunks[0] ?? Buffer.alloc(0);
  }

  /** Moves to the next chunk with bytes left; false at the end. */
  private advance(): boolean {
    while (this.i >= this.buf.length) {
      if (++this.c >= this.chunks.length) return false;
      this.buf = this.chunks[this.c];
      this.i = 0;
    }
    return true;
  }

  get done(): boolean {
    return this.i >= this.buf.length && !this.advance();
  }

  private byte(): number {
    if (this.i >= this.buf.length) this.advance();
    return this.buf[this.i++];
  }

  varint(): number {
    const b = this.buf;
    let i = this.i;
    // Within one chunk (nearly always): read in place.
    if (i + 10 <= b.length) {
      let n = 0;
      for (let mul = 1; ; mul *= 128) {
        const x = b[i++];
        n += (x & 0x7f) * mul;
        if (x < 0x80) { this.i = i; return n; }
      }
    }
    let n = 0;
    for (let mul = 1; ; mul *= 128) {
      const x = this.byte();
      n += (x & 0x7f) * mul;
      if (x < 0x80) return n;
    }
  }

  skip(n: number): void {
    for (;;) {
      const here = Math.min(n, this.buf.length - this.i);
      this.i += here;
      n -= here;
      if (n === 0 || !this.advance()) return;
    }
  }

  string(n: number): string {
    if (this.i + n <= this.buf.length) {
      const s = this.buf.toString('utf8', this.i, this.i + n);
      this.i += n;
      return s;
    }
    const bytes = Buffer.alloc(n);
    for (let k = 0; k < n; k++) bytes[k] = this.byte();
    return bytes.toString('utf8');
  }
}

/**
 * version_info (field 1), type_url (field 4) and nonce (field 5) of a DiscoveryResponse, skipping
 * everything else. A DeltaDiscoveryResponse has system_version_info, type_url and nonce at the same numbers.
 */
export function versionAndNonce(chunks: readonly Buffer[]): { version: string; nonce: string; typeUrl: string } {
  let version = '';
  let nonce = '';
  let typeUrl = '';
  const r = new ChunkCursor(chunks);
  while (!r.done) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 2) {
      const len = r.varint();
      if (field === 1) version = r.string(len);
      else if (field === 5) nonce = r.string(len);
      else if (field === 4) typeUrl = r.string(len);
      else r.skip(len);
    } else if (wire === 0) r.varint();
    else if (wire === 1) r.skip(8);
    else if (wire === 5) r.skip(4);
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return { version, nonce, typeUrl };
}

/** gRPC's length-prefixed messages out of a stream's DATA chunks; each message's chunks are views, not copies. */
class MessageReader {
  private head: Buffer | null = null;
  private left = -1;
  private parts: Buffer[] = [];

  constructor(private readonly onMessage: (chunks: Buffer[]) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.left < 0) {
        // The 5-byte prefix (compressed flag, big-endian length), possibly split across chunks.
        const need = 5 - (this.head?.length ?? 0);
        const take = chunk.subarray(at, at + need);
        at += take.length;
        this.head = this.head === null ? Buffer.from(take) : Buffer.concat([this.head, take]);
        if (this.head.length < 5) return;
        this.left = this.head.readUInt32BE(1);
        this.head = null;
      }
      const take = Math.min(this.left, chunk.length - at);
      if (take > 0) this.parts.push(chunk.subarray(at, at + take));
      at += take;
      this.left -= take;
      if (this.left === 0) {
        const parts = this.parts;
        this.parts = [];
        this.left = -1;
        this.onMessage(parts);
      }
    }
  }
}

/** A message in gRPC's framing: not compressed, big-endian length, the bytes. */
function framed(msg: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + msg.length);
  out[0] = 0;
  out.writeUInt32BE(msg.length, 1);
  out.set(msg, 5);
  return out;
}

/** One string field, encoded (the ACKs are made of these: no message object, no encoder). */
function stringField(field: number, s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const head: number[] = [field * 8 + 2];
  for (let n = bytes.length; ; n = Math.floor(n / 128)) {
    if (n < 128) { head.push(n); break; }
    head.push((n % 128) | 0x80);
  }
  return Buffer.concat([Buffer.from(head), bytes]);
}

/** One simulated proxy: its stream and when it ACKed each version. */
export interface LoadStream {
  readonly id: string;
  /** Version -> hrtime (ns) at which the ACK of the last subscribed type of that version was written. */
  readonly ackedAt: Map<string, bigint>;
  /** Version -> type URL -> hrtime (ns) of that type's ACK (a push may carry only some types). */
  readonly typeAckedAt: Map<string, Map<string, bigint>>;
}

/** Who the simulated proxies are and what they subscribe to. */
export interface StreamOptions {
  /** The node of stream k; default a bench sidecar `bench-<k>`. */
  node?: (k: number) => { id: string; cluster: string; metadata?: JsonObject };
  /** Subscribed types; default CDS only (legacy wildcard); with several, each asks for the explicit wildcard `*`. */
  types?: readonly string[];
  /** Incremental xDS (DeltaAggregatedResources, as a DELTA_GRPC proxy) instead of state of the world. */
  delta?: boolean;
  /** The node's client_features. */
  clientFeatures?: string[];
}

/** Opens `n` ADS streams spread over `channels` connections; resolves once each got a response of every type. */
export async function openStreams(port: number, n: number, channels: number, opts: StreamOptions = {}): Promise<{ streams: LoadStream[]; close(): void }> {
  const types = opts.types ?? [CDS];
  const names = types.length > 1 ? ['*'] : [];
  const sessions = await Promise.all(Array.from({ length: channels }, () => new Promise<http2.ClientHttp2Session>((resolve, reject) => {
    const s = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: WINDOW - 1, maxFrameSize: MAX_FRAME } });
    s.once('error', reject);
    s.once('connect', () => {
      s.setLocalWindowSize(WINDOW - 1);
      resolve(s);
    });
  })));
  const calls: http2.ClientHttp2Stream[] = [];
  const streams: LoadStream[] = [];
  const firsts: Promise<void>[] = [];
  for (let k = 0; k < n; k++) {
    const node = opts.node?.(k) ?? { id: `sidecar~10.0.${Math.floor(k / 250)}.${k % 250}~bench-${k}.bench~bench.svc.cluster.local`, cluster: 'bench.bench' };
    const id = node.id;
    const s: LoadStream = { id, ackedAt: new Map(), typeAckedAt: new Map() };
    const typesAcked = new Map<string, Set<string>>();
    streams.push(s);
    const call = sessions[k % channels].request({
      ':method': 'POST', ':path': opts.delta ? DELTA_ADS_PATH : ADS_PATH, 'content-type': 'application/grpc', te: 'trailers',
    });
    calls.push(call);
    const nodeMsg = { id, cluster: node.cluster, metadata: node.metadata, userAgentName: 'strait-bench', clientFeatures: opts.clientFeatures ?? [] };
    // A stream's first request of each type subscribes (the first of all carries the node); after
    // that, a SotW ACK repeats the names with version and nonce, a delta ACK is type and nonce alone.
    const open = (typeUrl: string, withNode: boolean): Buffer => Buffer.from(opts.delta
      ? toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, {
        typeUrl, resourceNamesSubscribe: names, node: withNode ? nodeMsg : undefined,
      }))
      : toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, {
        typeUrl, resourceNames: names, node: withNode ? nodeMsg : undefined,
      })));
    const sotwNames = Buffer.concat(names.map((x) => stringField(3, x)));
    const ack = (typeUrl: string, version: string, nonce: string): Buffer => (opts.delta
      ? Buffer.concat([stringField(2, typeUrl), stringField(6, nonce)])
      : Buffer.concat([stringField(1, version), sotwNames, stringField(4, typeUrl), stringField(5, nonce)]));
    firsts.push(new Promise<void>((resolve) => {
      const reader = new MessageReader((chunks) => {
        const { version, nonce, typeUrl } = versionAndNonce(chunks);
        call.write(framed(ack(typeUrl, version, nonce)));
        let byType = s.typeAckedAt.get(version);
        if (!byType) s.typeAckedAt.set(version, (byType = new Map()));
        byType.set(typeUrl, process.hrtime.bigint());
        let acked = typesAcked.get(version);
        if (!acked) typesAcked.set(version, (acked = new Set()));
        acked.add(typeUrl);
        if (acked.size === types.length) {
          s.ackedAt.set(version, process.hrtime.bigint());
          typesAcked.delete(version);
          resolve();
        }
      });
      call.on('data', (chunk: Buffer) => reader.push(chunk));
    }));
    call.on('error', () => {});
    types.forEach((t, i) => call.write(framed(open(t, i === 0))));
  }
  await Promise.all(firsts);
  return {
    streams,
    close: () => {
      for (const c of calls) c.close(http2.constants.NGHTTP2_CANCEL);
      for (const s of sessions) s.close();
    },
  };
}
