// One attempt of a routed request to one upstream host: waits for a pooled stream, sends the
// request, and hands the response back to the router. A retry is a new UpstreamRequest.
import type { HeaderMap, HttpProtocol, RequestHead, ResponseHead } from '../../../http/headers.js';
import type { RequestEncoder, ResponseDecoder, StreamResetReason, WatermarkListener } from '../../../http/codec/types.js';
import type { Cancellable, Host, PoolCallbacks, PoolFailureReason, UpstreamConnectionInfo } from '../../../upstream/types.js';

/** What an attempt reports to its router. */
export interface UpstreamRequestOwner {
  onUpstreamReady(req: UpstreamRequest): void;
  onUpstreamPoolFailure(req: UpstreamRequest, reason: PoolFailureReason, transportFailure: string): void;
  onUpstreamHeaders(req: UpstreamRequest, head: ResponseHead, endStream: boolean): void;
  onUpstreamData(req: UpstreamRequest, chunk: Buffer, endStream: boolean): void;
  onUpstreamTrailers(req: UpstreamRequest, trailers: HeaderMap): void;
  onUpstreamReset(req: UpstreamRequest, reason: StreamResetReason, transportFailure: string): void;
  onUpstreamAboveWriteBufferHighWatermark(): void;
  onUpstreamBelowWriteBufferLowWatermark(): void;
}

/** A single try against `host`. */
export class UpstreamRequest implements ResponseDecoder, PoolCallbacks, WatermarkListener {
  encoder: RequestEncoder | null = null;
  protocol: HttpProtocol | null = null;
  /** The connection the stream runs on, once the pool gave one. */
  connection: UpstreamConnectionInfo | null = null;
  pending: Cancellable | null = null;
  /** Monotonic ms when the request was handed to the pool. */
  readonly startMs = performance.now();
  responseHeadersReceived = false;
  requestSent = false;
  done = false;
  perTryTimer: NodeJS.Timeout | null = null;
  /** A hedged retry was started beside this attempt after its per-try timeout. */
  retried = false;
  /** Outlier detection was told of this attempt's (soft) per-try timeout already. */
  timeoutRecorded = false;

  constructor(private readonly owner: UpstreamRequestOwner, readonly host: Host) {}

  // ---- PoolCallbacks ----
  onPoolReady(encoder: RequestEncoder, _host: Host, protocol: HttpProtocol, connection: UpstreamConnectionInfo): void {
    this.pending = null;
    if (this.done) {
      encoder.resetStream();
      return;
    }
    this.encoder = encoder;
    this.protocol = protocol;
    this.connection = connection;
    encoder.setWatermarkListener(this);
    this.owner.onUpstreamReady(this);
  }

  onPoolFailure(reason: PoolFailureReason, transportFailure: string, _host: Host): void {
    this.pending = null;
    if (this.done) return;
    this.owner.onUpstreamPoolFailure(this, reason, transportFailure);
  }

  // ---- ResponseDecoder ----
  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    if (this.done) return;
    this.responseHeadersReceived = true;
    this.owner.onUpstreamHeaders(this, head, endStream);
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    if (!this.done) this.owner.onUpstreamData(this, chunk, endStream);
  }

  decodeTrailers(trailers: HeaderMap): void {
    if (!this.done) this.owner.onUpstreamTrailers(this, trailers);
  }

  onResetStream(reason: StreamResetReason, transportFailure: string): void {
    if (this.done) return;
    this.encoder = null;
    this.owner.onUpstreamReset(this, reason, transportFailure);
  }

  // ---- WatermarkListener (upstream request body back-pressure) ----
  onAboveWriteBufferHighWatermark(): void {
    this.owner.onUpstreamAboveWriteBufferHighWatermark();
  }

  onBelowWriteBufferLowWatermark(): void {
    this.owner.onUpstreamBelowWriteBufferLowWatermark();
  }

  // ---- sending ----
  sendHeaders(head: RequestHead, endStream: boolean): void {
    this.encoder?.encodeHeaders(head, endStream);
    if (endStream) this.requestSent = true;
  }

  sendData(chunk: Buffer, endStream: boolean): void {
    this.encoder?.encodeData(chunk, endStream);
    if (endStream) this.requestSent = true;
  }

  sendTrailers(trailers: HeaderMap): void {
    this.encoder?.encodeTrailers(trailers);
    this.requestSent = true;
  }

  /** Stops this attempt: cancels a pending pool request or resets the stream. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.clearPerTryTimer();
    if (this.pending !== null) {
      this.pending.cancel();
      this.pending = null;
    }
    if (this.encoder !== null) {
      this.encoder.setWatermarkListener(null);
      this.encoder.resetStream();
      this.encoder = null;
    }
  }

  /** Marks the attempt finished normally. */
  finish(): void {
    this.done = true;
    this.clearPerTryTimer();
    this.encoder?.setWatermarkListener(null);
  }

  clearPerTryTimer(): void {
    if (this.perTryTimer !== null) {
      clearTimeout(this.perTryTimer);
      this.perTryTimer = null;
    }
  }
}
