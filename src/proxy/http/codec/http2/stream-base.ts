// What the HTTP/2 server and client streams share: body and trailers in both directions, watermarks,
// read-disable and telling the decoder how a stream ended. Listeners are shared functions, not closures.
import type { Http2Stream, OutgoingHttpHeaders } from 'node:http2';
import type { HeaderMap } from '../../headers.js';
import type { StreamResetReason, WatermarkListener } from '../types.js';
import { headerMapFromRaw, trailersToH2 } from './header-convert.js';
import { NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_PROTOCOL_ERROR,
  NGHTTP2_REFUSED_STREAM } from './session-options.js';

/** Links a node stream back to the codec stream wrapping it. */
export const kOwner = Symbol('strait.h2.owner');

type OwnedStream = Http2Stream & { [kOwner]: H2StreamBase };

const EMPTY = Buffer.alloc(0);

/**
 * How a head goes out. Trailers need node's waitForTrailers, which costs a round trip and an extra empty
 * DATA frame per stream, so the head waits until the end of the tick to learn whether the body ends at once.
 */
export const enum HeadMode {
  /** Headers carry END_STREAM. */
  End = 0,
  /** The whole body follows now; no trailers. */
  BodyNow = 1,
  /** Body and/or trailers follow later. */
  More = 2,
}

const NO_TRAILERS: OutgoingHttpHeaders = Object.freeze(Object.create(null));

/** One HTTP/2 stream under a codec; subclasses add the head of the message and the decoder calls. */
export abstract class H2StreamBase {
  protected stream: Http2Stream | null = null;
  /** END_STREAM has been handed to node (or node ended the stream itself). */
  protected localEnded = false;
  /** The peer's end of stream has been delivered to the decoder. */
  protected remoteEnded = false;
  /** The decoder must not be called any more (reset delivered, or reset locally). */
  protected resetDone = false;
  /** No more writes: the stream was reset or failed. */
  protected writeClosed = false;
  /** Set when an encode failed; the reset is reported with this reason once node closes the stream. */
  private failReason: StreamResetReason | null = null;
  private closed = false;
  private finished = false;
  private trailersOut: OutgoingHttpHeaders | null = null;
  private trailersIn: HeaderMap | null = null;
  private readDisableCount = 0;
  /** The stream was ever read-disabled (see onEnd). */
  private pauseSeen = false;
  /** Node reported the peer aborted the stream while our side was still open. */
  private peerAborted = false;
  private aboveHighWatermark = false;
  private watermarkListener: WatermarkListener | null = null;
  /** The final head was handed to encodeHeaders. */
  protected headersSent = false;
  /** A head without END_STREAM, held until the body's first part or the end of the tick. */
  private pendingHead: OutgoingHttpHeaders | null = null;
  /** The decoder has not been given the message's headers yet; the end of the message waits for them. */
  protected headersPending = false;
  /** Node ended the readable side while headersPending. */
  private endDeferred = false;

  protected abstract deliverData(chunk: Buffer, endStream: boolean): void;
  protected abstract deliverTrailers(trailers: HeaderMap): void;
  protected abstract deliverReset(reason: StreamResetReason): void;
  /** Whether the decoder still expects events (so a close now is a reset). */
  protected abstract isIncomplete(): boolean;
  /** Whether the session under this stream was torn down. */
  protected abstract sessionGone(): boolean;
  /** Called once when the stream is over, either way. */
  protected abstract onFinished(): void;
  /** Sends the head (respond / request); false when that failed and the stream is being reset. */
  protected abstract sendHead(headers: OutgoingHttpHeaders, mode: HeadMode): boolean;

  /** Sends a final head now (END_STREAM) or holds it for the body (see HeadMode). */
  protected startHead(headers: OutgoingHttpHeaders, endStream: boolean): void {
    this.headersSent = true;
    if (endStream) {
      this.localEnded = true;
      this.sendHead(headers, HeadMode.End);
      return;
    }
    this.pendingHead = headers;
    process.nextTick(flushHeldHead, this);
  }

  /** Sends a held head; false when nothing more can be written. */
  private releaseHead(mode: HeadMode): boolean {
    const headers = this.pendingHead!;
    this.pendingHead = null;
    const stream = this.stream;
    // A stream node already closed reports how through 'close'.
    if (this.writeClosed || (stream !== null && (stream.closed || stream.destroyed))) return false;
    if (mode === HeadMode.End) this.localEnded = true;
    return this.sendHead(headers, mode) && mode !== HeadMode.End;
  }

  /** The tick ended with the head still held: body or trailers come later. */
  flushHeldHead(): void {
    if (this.pendingHead !== null) this.releaseHead(HeadMode.More);
  }

  protected attach(stream: Http2Stream): void {
    (stream as OwnedStream)[kOwner] = this;
    this.stream = stream;
    stream.on('data', onStreamData);
    stream.on('end', onStreamEnd);
    stream.on('trailers', onStreamTrailers);
    stream.on('wantTrailers', onStreamWantTrailers);
    stream.on('drain', onStreamDrain);
    stream.on('close', onStreamClose);
    stream.on('aborted', onStreamAborted);
    stream.on('error', onStreamError);
    if (this.readDisableCount > 0) stream.pause();
  }

  /** The node stream if more may be written to it; a stream node already closed reports through 'close'. */
  protected writableStream(): Http2Stream | null {
    const stream = this.stream;
    if (stream === null || this.localEnded || this.writeClosed || stream.closed || stream.destroyed) return null;
    return stream;
  }

  encodeData(chunk: Buffer, endStream: boolean): void {
    if (this.pendingHead !== null) {
      const mode = !endStream ? HeadMode.More : chunk.length === 0 ? HeadMode.End : HeadMode.BodyNow;
      if (!this.releaseHead(mode)) return;
    }
    const stream = this.writableStream();
    if (stream === null) return;
    try {
      if (endStream) {
        this.localEnded = true;
        if (chunk.length > 0) stream.end(chunk);
        else stream.end();
        return;
      }
      if (chunk.length === 0) return;
      if (!stream.write(chunk) && !this.aboveHighWatermark) {
        this.aboveHighWatermark = true;
        if (this.watermarkListener !== null) this.watermarkListener.onAboveWriteBufferHighWatermark();
      }
    } catch {
      this.fail('local reset');
    }
  }

  encodeTrailers(trailers: HeaderMap): void {
    if (this.pendingHead !== null && !this.releaseHead(HeadMode.More)) return;
    const stream = this.writableStream();
    if (stream === null) return;
    this.localEnded = true;
    // Sent from 'wantTrailers': node asks once the last DATA frame is out (waitForTrailers was set).
    this.trailersOut = trailersToH2(trailers);
    try {
      stream.end();
    } catch {
      this.fail('local reset');
    }
  }

  readDisable(disable: boolean): void {
    if (disable) this.pauseSeen = true;
    this.holdReads(disable);
  }

  /**
   * Pauses (true) or resumes (false) the node stream, counted as in Envoy: several parties may pause the same
   * stream. Unlike readDisable it does not mark the stream as paused by flow control (see endedByReset).
   */
  protected holdReads(hold: boolean): void {
    if (hold) {
      if (this.readDisableCount++ === 0 && this.stream !== null) this.stream.pause();
    } else if (this.readDisableCount > 0 && --this.readDisableCount === 0 && this.stream !== null) {
      this.stream.resume();
    }
  }

  setWatermarkListener(listener: WatermarkListener | null): void {
    this.watermarkListener = listener;
    if (listener !== null && this.aboveHighWatermark) listener.onAboveWriteBufferHighWatermark();
  }

  /**
   * Ends the stream with RST_STREAM `code`; the decoder hears nothing more. The stream is finished at once,
   * not when node reports the close, so its connection's slot is free again (an upstream pool reuses it).
   */
  protected resetWith(code: number): void {
    if (this.resetDone || this.closed) return;
    this.resetDone = true;
    this.writeClosed = true;
    this.pendingHead = null;
    const stream = this.stream;
    if (stream !== null) {
      try {
        stream.close(code);
      } catch {
        stream.destroy();
      }
    }
    this.finish();
  }

  /** An encode failed: reset the stream and report `reason` to the decoder when node closes it. */
  protected fail(reason: StreamResetReason): void {
    if (this.writeClosed || this.closed) return;
    this.writeClosed = true;
    this.pendingHead = null;
    this.failReason = reason;
    const stream = this.stream;
    if (stream === null) return;
    try {
      stream.close(NGHTTP2_INTERNAL_ERROR);
    } catch {
      stream.destroy();
    }
  }

  /** The session closed under the stream: report the termination now (node's own close comes later). */
  connectionClosed(): void {
    this.closed = true;
    this.writeClosed = true;
    this.pendingHead = null;
    if (!this.resetDone && this.isIncomplete()) {
      this.resetDone = true;
      this.deliverReset('connection termination');
    }
    this.finish();
  }

  protected finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinished();
  }

  private closeReason(code: number): StreamResetReason {
    if (this.failReason !== null) return this.failReason;
    if (this.sessionGone()) return 'connection termination';
    if (code === NGHTTP2_REFUSED_STREAM) return 'remote refused stream reset';
    if (code === NGHTTP2_PROTOCOL_ERROR) return 'protocol error';
    return 'remote reset';
  }

  // ---- node stream events ----

  onData(chunk: Buffer): void {
    if (!this.resetDone && !this.remoteEnded) this.deliverData(chunk, false);
  }

  onTrailers(raw: readonly string[] | undefined): void {
    this.trailersIn = headerMapFromRaw(raw ?? []);
  }

  onEnd(): void {
    if (this.headersPending) {
      // Node emits 'end' for an empty END_STREAM DATA frame even on a paused stream.
      this.endDeferred = true;
      return;
    }
    if (this.remoteEnded || this.resetDone) return;
    if (this.endedByReset()) return;
    this.remoteEnded = true;
    // Trailers arrive before buffered DATA has been read, so they are delivered at the end of the body.
    const trailers = this.trailersIn;
    if (trailers !== null) {
      this.trailersIn = null;
      this.deliverTrailers(trailers);
    } else {
      this.deliverData(EMPTY, true);
    }
  }

  /** The headers were given to the decoder: an end of message node reported meanwhile follows them now. */
  protected headersDelivered(): void {
    this.headersPending = false;
    if (this.endDeferred) {
      this.endDeferred = false;
      this.onEnd();
    }
  }

  onAborted(): void {
    this.peerAborted = true;
  }

  /**
   * Node also ends the readable side when the peer resets with NO_ERROR or CANCEL and when the session
   * dies, so 'end' alone does not mean END_STREAM. A real END_STREAM is read before node processes the
   * stream's close, so a stream already closed at 'end' was reset, unless a pause held the 'end' back.
   */
  private endedByReset(): boolean {
    if (this.peerAborted || this.sessionGone()) return true;
    const stream = this.stream!;
    return stream.closed && (stream.rstCode !== NGHTTP2_NO_ERROR || !this.pauseSeen);
  }

  onWantTrailers(): void {
    const stream = this.stream;
    // After a reset node still ends the writable side; sending nothing keeps END_STREAM off the wire,
    // so the peer sees only the RST_STREAM.
    if (stream === null || this.writeClosed) return;
    const trailers = this.trailersOut ?? NO_TRAILERS;
    this.trailersOut = null;
    try {
      // Empty trailers make node send an empty DATA frame with END_STREAM instead.
      stream.sendTrailers(trailers);
    } catch {
      this.fail('local reset');
    }
  }

  onDrain(): void {
    if (!this.aboveHighWatermark) return;
    this.aboveHighWatermark = false;
    if (this.watermarkListener !== null) this.watermarkListener.onBelowWriteBufferLowWatermark();
  }

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.resetDone && (this.failReason !== null || this.isIncomplete())) {
      this.resetDone = true;
      this.deliverReset(this.closeReason(this.stream?.rstCode ?? 0));
    }
    this.finish();
  }
}

function owner(stream: Http2Stream): H2StreamBase {
  return (stream as OwnedStream)[kOwner];
}

function flushHeldHead(s: H2StreamBase): void {
  s.flushHeldHead();
}

function onStreamData(this: Http2Stream, chunk: Buffer): void {
  owner(this).onData(chunk);
}

function onStreamEnd(this: Http2Stream): void {
  owner(this).onEnd();
}

function onStreamTrailers(this: Http2Stream, _headers: unknown, _flags: number, raw?: readonly string[]): void {
  owner(this).onTrailers(raw);
}

function onStreamWantTrailers(this: Http2Stream): void {
  owner(this).onWantTrailers();
}

function onStreamDrain(this: Http2Stream): void {
  owner(this).onDrain();
}

function onStreamClose(this: Http2Stream): void {
  owner(this).onClose();
}

function onStreamAborted(this: Http2Stream): void {
  owner(this).onAborted();
}

function onStreamError(): void {
  // Resets surface through 'close' with rstCode; the error itself carries nothing more.
}
