// Test helpers for the connection pools: a recorder that is both the pool callbacks and the
// response decoder, and a one-call request helper. Used only by *.test.ts files.
import { HeaderMap, type HttpProtocol, type ResponseHead } from '../../http/headers.js';
import type { RequestEncoder, ResponseDecoder, StreamResetReason } from '../../http/codec/types.js';
import type { Cancellable, ConnPool, Host, PoolCallbacks, PoolFailureReason } from '../types.js';

/** Records what the pool and the codec tell one request. */
export class Recorder implements PoolCallbacks, ResponseDecoder {
  encoder: RequestEncoder | null = null;
  protocol: HttpProtocol | null = null;
  failure: { reason: PoolFailureReason; transportFailure: string } | null = null;
  head: ResponseHead | null = null;
  readonly chunks: Buffer[] = [];
  reset: StreamResetReason | null = null;
  /** Set while newStream() runs, to catch callbacks made synchronously. */
  inNewStream = false;
  calledSynchronously = false;
  private settle!: () => void;
  private readyResolve!: () => void;
  /** Resolves when the response ends, the stream resets or the pool fails. */
  readonly done = new Promise<void>((r) => (this.settle = r));
  /** Resolves when the pool hands over a stream or fails. */
  readonly settled = new Promise<void>((r) => (this.readyResolve = r));

  onPoolReady(encoder: RequestEncoder, _host: Host, protocol: HttpProtocol): void {
    if (this.inNewStream) this.calledSynchronously = true;
    this.encoder = encoder;
    this.protocol = protocol;
    this.readyResolve();
  }

  onPoolFailure(reason: PoolFailureReason, transportFailure: string): void {
    if (this.inNewStream) this.calledSynchronously = true;
    this.failure = { reason, transportFailure };
    this.readyResolve();
    this.settle();
  }

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    this.head = head;
    if (endStream) this.settle();
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    if (chunk.length > 0) this.chunks.push(chunk);
    if (endStream) this.settle();
  }

  decodeTrailers(): void {
    this.settle();
  }

  onResetStream(reason: StreamResetReason): void {
    this.reset = reason;
    this.settle();
  }

  get body(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

/** Asks `pool` for a stream; returns the recorder and the handle (null on pending overflow). */
export function open(pool: ConnPool): { rec: Recorder; handle: Cancellable | null } {
  const rec = new Recorder();
  rec.inNewStream = true;
  const handle = pool.newStream(rec, rec);
  rec.inNewStream = false;
  return { rec, handle };
}

/** Sends a bodyless GET once the stream is ready; resolves with the finished recorder. */
export async function get(pool: ConnPool, path: string, protocol: HttpProtocol = 'HTTP/1.1'): Promise<Recorder> {
  const { rec } = open(pool);
  await rec.settled;
  rec.encoder?.encodeHeaders({ method: 'GET', path, authority: 'upstream.test', scheme: 'http', protocol,
    headers: new HeaderMap() }, true);
  await rec.done;
  return rec;
}

/** Waits until `cond` holds (checked every 5 ms, at most `ms`). */
export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
