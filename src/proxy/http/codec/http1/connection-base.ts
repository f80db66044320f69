// What the HTTP/1 server and client connections share: llhttp fed straight from the socket handle
// (consume mode), read pausing, the switch to raw bytes after an upgrade, merged writes, watermarks.
import type { Socket } from 'node:net';
import type { WatermarkListener } from '../types.js';
import { log } from '../../../log.js';
import { acquireParser, releaseParser, type NodeHttpParser, type ParseError, type ParserOwner } from './parser-binding.js';

/** Write-buffer size above which the producer is told to stop (Envoy's per_connection_buffer_limit_bytes). */
export const HIGH_WATERMARK = 1024 * 1024;
/** Bodies up to this size are copied next to their head/framing so the whole piece is one write. */
const MERGE_LIMIT = 16 * 1024;
/** Envoy's default delayed_close_timeout: how long a closing connection waits for the peer to close. */
export const DEFAULT_DELAYED_CLOSE_MS = 1000;

export const EMPTY = Buffer.alloc(0);

/** The libuv stream handle under a net.Socket (node internals, as node:http uses them). */
interface StreamHandle {
  reading?: boolean;
  isStreamBase?: boolean;
  _consumed?: boolean;
  readStart(): number;
  readStop(): number;
}

function handleOf(socket: Socket): StreamHandle | null {
  return (socket as unknown as { _handle: StreamHandle | null })._handle;
}

function ignoreSocketError(): void {
  // Errors (ECONNRESET, EPIPE, write after end) are followed by 'close', where streams are reset.
}

function onCloseTimer(conn: Http1ConnectionBase): void {
  conn.onDelayedCloseTimeout();
}

function unconsumeAndRelease(parser: NodeHttpParser, consumed: boolean): void {
  if (consumed) parser.unconsume();
  releaseParser(parser);
}

/** One HTTP/1 connection's socket side; subclasses turn parser events into streams. */
export abstract class Http1ConnectionBase implements ParserOwner {
  protected parser: NodeHttpParser | null;
  /** The parser reads from the socket handle directly ('data' never fires). */
  private consumed = false;
  /** Whether reads are on (as last applied to the socket). */
  private reading = true;
  /** Outstanding readDisable(true) calls from streams (flow control). */
  private readDisables = 0;
  /** Reads held by the codec itself (a pipelined request waits for the one before it). */
  protected readBlocked = false;
  /** Upgrade passthrough: bytes bypass the parser. */
  protected raw = false;
  /** Set during a parser callback when llhttp will stop after this message (upgrade or CONNECT). */
  protected upgradeAfterMessage = false;
  /** No more input is processed: the connection is closing or closed. */
  protected stopped = false;
  /** The socket was destroyed (or closed by the peer). */
  protected closed = false;
  private finalized = false;
  /** The socket's write buffer went above HIGH_WATERMARK and has not drained yet. */
  aboveHighWatermark = false;
  private closeTimer: NodeJS.Timeout | null = null;
  /** Bytes still queued when the delayed-close timer last looked. */
  private closeWritable = 0;
  private dataListener: ((chunk: Buffer) => void) | null = null;
  /** delayed_close_timeout in ms; 0 closes as soon as the queued writes are out. */
  protected delayedCloseMs = DEFAULT_DELAYED_CLOSE_MS;

  constructor(readonly socket: Socket, parserType: number, maxHeaderSize: number) {
    this.parser = acquireParser(parserType, maxHeaderSize, this);
    socket.on('error', ignoreSocketError);
    socket.on('end', () => this.onSocketEnd());
    socket.on('close', () => this.finalize());
    socket.on('drain', () => this.onSocketDrain());
  }

  // ---- what subclasses provide ----

  abstract onParserHeaders(headers: string[], url: string): void;
  abstract onParserHeadersComplete(major: number, minor: number, headers: string[] | undefined,
    method: number | undefined, url: string | undefined, status: number | undefined, upgrade: boolean,
    keepAlive: boolean): number;
  abstract onParserBody(chunk: Buffer): void;
  abstract onParserMessageComplete(): void;
  /** The parser rejected the input. */
  protected abstract onParseError(err: ParseError): void;
  /** llhttp stopped for an upgrade: true to switch to raw bytes, false to keep parsing (refused h2c). */
  protected abstract enterRaw(): boolean;
  protected abstract onRawData(chunk: Buffer): void;
  protected abstract onRawEnd(): void;
  /** The peer closed its side outside raw mode. */
  protected abstract onEof(): void;
  /** The connection is gone: reset what is still active. Runs once. */
  protected abstract onClosed(): void;
  /** Where write-buffer watermark events go (the active stream's listener). */
  protected abstract watermarkListener(): WatermarkListener | null;

  // ---- input ----

  /** Parses `initial` and anything the socket buffered while paused, then reads from the handle. */
  protected startReading(initial: Buffer | null): void {
    if (initial !== null && initial.length > 0) this.onSocketData(initial);
    const socket = this.socket;
    for (let c = socket.read() as Buffer | null; c !== null && !this.stopped && !this.raw; c = socket.read()) {
      this.onSocketData(c);
    }
    if (this.raw || this.closed) return;
    const h = handleOf(socket);
    if (h !== null && h.isStreamBase === true && h._consumed !== true && !socket.connecting && this.parser !== null) {
      this.parser.consume(h);
      h._consumed = true;
      this.consumed = true;
    } else {
      this.listenForData();
    }
    this.reading = !this.wantReading();
    this.applyReading();
  }

  private listenForData(): void {
    if (this.dataListener !== null) return;
    this.dataListener = (chunk: Buffer): void => this.onSocketData(chunk);
    this.socket.on('data', this.dataListener);
  }

  private onSocketData(chunk: Buffer): void {
    if (this.stopped) return;
    try {
      if (this.raw) this.onRawData(chunk);
      else if (this.parser !== null) this.afterExecute(this.parser.execute(chunk), chunk);
    } catch (err) {
      this.onCallbackError(err);
    }
  }

  onParserExecute(ret: number | Error): void {
    this.afterExecute(ret as number | ParseError, null);
  }

  private afterExecute(ret: number | ParseError, chunk: Buffer | null): void {
    if (this.stopped) return;
    if (typeof ret !== 'number') {
      this.onParseError(ret);
      return;
    }
    if (!this.upgradeAfterMessage || this.parser === null) return;
    this.upgradeAfterMessage = false;
    const buf = chunk ?? this.parser.getCurrentBuffer();
    const rest = ret < buf.length ? buf.subarray(ret) : null;
    if (this.enterRaw()) this.switchToRaw(rest);
    else if (rest !== null) this.afterExecute(this.parser.execute(rest), rest);
  }

  /** After an upgrade: the parser is dropped and socket bytes go to onRawData. */
  private switchToRaw(rest: Buffer | null): void {
    this.raw = true;
    const p = this.parser!;
    this.parser = null;
    p.owner = null;
    const wasConsumed = this.consumed;
    if (wasConsumed) {
      p.unconsume();
      this.consumed = false;
      const h = handleOf(this.socket);
      if (h !== null) h._consumed = false;
    }
    setImmediate(unconsumeAndRelease, p, false);
    if (rest !== null && rest.length > 0) this.onRawData(rest);
    if (this.stopped) return;
    this.listenForData();
    this.reading = !this.wantReading();
    this.applyReading();
  }

  onCallbackError(err: unknown): void {
    log('http', 'error', `http1 codec: handler failed, closing connection: ${(err as Error)?.stack ?? String(err)}`);
    this.destroy();
  }

  // ---- read control ----

  /** A stream's readDisable: reads stay off while any disable is outstanding. */
  readDisable(disable: boolean): void {
    if (disable) this.readDisables++;
    else if (this.readDisables > 0) this.readDisables--;
    this.applyReading();
  }

  /** Drops `count` outstanding disables (a finished stream's leftovers). */
  protected releaseReadDisables(count: number): void {
    if (count <= 0) return;
    this.readDisables = Math.max(0, this.readDisables - count);
    this.applyReading();
  }

  private wantReading(): boolean {
    // A closing connection keeps reading (and discarding) so unread bytes don't turn its close into a reset.
    return this.stopped || (this.readDisables === 0 && !this.readBlocked);
  }

  protected applyReading(): void {
    if (this.closed) return;
    const want = this.wantReading();
    if (want === this.reading) return;
    this.reading = want;
    if (this.consumed) {
      const h = handleOf(this.socket);
      if (h === null) return;
      h.reading = want;
      if (want) h.readStart();
      else h.readStop();
    } else if (this.dataListener !== null) {
      if (want) this.socket.resume();
      else this.socket.pause();
    }
  }

  // ---- output ----

  /**
   * Writes `prefix` + `body` + `suffix` (strings in latin1), as one buffer when small. `onFlushed` runs once node
   * has handed these bytes to the kernel (at once, on the next tick, when there are none).
   */
  write(prefix: string, body: Buffer | null, suffix: string, onFlushed?: () => void): void {
    if (this.closed) return;
    const socket = this.socket;
    const blen = body === null ? 0 : body.length;
    if (blen === 0) {
      const s = suffix.length === 0 ? prefix : prefix + suffix;
      if (s.length > 0) socket.write(s, 'latin1', onFlushed);
      else if (onFlushed !== undefined) process.nextTick(onFlushed);
    } else if (prefix.length === 0 && suffix.length === 0) {
      socket.write(body!, onFlushed);
    } else if (blen <= MERGE_LIMIT) {
      const buf = Buffer.allocUnsafe(prefix.length + blen + suffix.length);
      let off = prefix.length === 0 ? 0 : buf.write(prefix, 0, 'latin1');
      off += body!.copy(buf, off);
      if (suffix.length > 0) buf.write(suffix, off, 'latin1');
      socket.write(buf, onFlushed);
    } else {
      socket.cork();
      if (prefix.length > 0) socket.write(prefix, 'latin1');
      if (suffix.length > 0) {
        socket.write(body!);
        socket.write(suffix, 'latin1', onFlushed);
      } else {
        socket.write(body!, onFlushed);
      }
      socket.uncork();
    }
    if (!this.aboveHighWatermark && socket.writableLength > HIGH_WATERMARK) {
      this.aboveHighWatermark = true;
      this.watermarkListener()?.onAboveWriteBufferHighWatermark();
    }
  }

  private onSocketDrain(): void {
    if (!this.aboveHighWatermark) return;
    this.aboveHighWatermark = false;
    this.watermarkListener()?.onBelowWriteBufferLowWatermark();
    this.onOutputDrained();
  }

  /** The write buffer went from above HIGH_WATERMARK to empty (for work held back until then). */
  protected onOutputDrained(): void {
    // Nothing by default.
  }

  // ---- closing ----

  /**
   * Half-closes after queued writes; the socket is destroyed when the peer closes, or delayed_close_timeout
   * (1 s by default) after the last write progress: a slow reader still gets the whole response. With 0 the
   * socket is destroyed once the writes are out.
   */
  protected closeGracefully(): void {
    if (this.closed || this.closeTimer !== null) return;
    this.stopped = true;
    this.applyReading();
    this.closeWritable = this.socket.writableLength;
    if (this.delayedCloseMs <= 0) {
      this.socket.destroySoon();
      return;
    }
    this.socket.end();
    this.closeTimer = setTimeout(onCloseTimer, this.delayedCloseMs, this);
    this.closeTimer.unref();
  }

  onDelayedCloseTimeout(): void {
    const left = this.socket.writableLength;
    if (left > 0 && left !== this.closeWritable && !this.closed) {
      this.closeWritable = left;
      this.closeTimer!.refresh();
      return;
    }
    this.destroy();
  }

  /** Closes now; active streams are reset. */
  destroy(): void {
    if (this.closed) return;
    this.stopped = true;
    this.closed = true;
    this.socket.destroy();
    this.finalize();
  }

  /** Half-closes the socket (raw passthrough: the peer's stream ended). */
  endSocket(): void {
    if (!this.closed) this.socket.end();
  }

  private onSocketEnd(): void {
    if (this.closed) return;
    if (this.closeTimer !== null) {
      this.destroy();
      return;
    }
    try {
      if (this.raw) this.onRawEnd();
      else this.onEof();
    } catch (err) {
      this.onCallbackError(err);
    }
  }

  private finalize(): void {
    this.stopped = true;
    this.closed = true;
    if (this.finalized) return;
    this.finalized = true;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    const p = this.parser;
    if (p !== null) {
      this.parser = null;
      p.owner = null;
      // Released after the current parser callback (if any) has unwound.
      setImmediate(unconsumeAndRelease, p, this.consumed);
    }
    try {
      this.onClosed();
    } catch (err) {
      log('http', 'error', `http1 codec: close handler failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
}
