// The downstream HTTP/1 codec: requests parsed by llhttp become streams for the connection
// manager, one at a time; pipelined requests wait their turn, so responses leave in order.
import type { Socket } from 'node:net';
import type { HttpProtocol } from '../../headers.js';
import type { ServerCodecOptions, ServerConnection, ServerConnectionCallbacks, WatermarkListener } from '../types.js';
import { Http1ConnectionBase } from './connection-base.js';
import { METHODS, REQUEST, type ParseError } from './parser-binding.js';
import { ServerStream, type ServerStreamOwner } from './server-stream.js';
import { LOW_VERSION, TOO_MANY_HEADERS, parseErrorAnswer, type ProtocolError } from './protocol-errors.js';

/** Envoy's default max_headers_count: more request headers than this get a 431. */
const DEFAULT_MAX_HEADERS_COUNT = 100;
/** Envoy's default max_request_headers_kb. */
const DEFAULT_MAX_HEADERS_KB = 60;
/**
 * Envoy's kMaxOutboundResponses: with this many responses not yet handed to the kernel, no further pipelined
 * request is started. Envoy closes such a connection (http1.response_flood); here reading stops until they
 * are flushed, so a client that does not read costs a bounded amount of memory and loses nothing.
 */
const MAX_OUTBOUND_RESPONSES = 2;

/** Server codec options plus the optional server name for codec-level error replies. */
export interface Http1ServerOptions extends ServerCodecOptions {
  /** The `server` header of the codec's own error replies (decoders without local replies; default "envoy"). */
  serverName?: string;
}

/** One downstream HTTP/1 connection. */
export class Http1ServerConnection extends Http1ConnectionBase implements ServerConnection, ServerStreamOwner {
  readonly protocol: HttpProtocol = 'HTTP/1.1';
  draining = false;
  /** The stream whose response is awaited; later requests wait in `queue`. */
  private active: ServerStream | null = null;
  private queue: ServerStream[] | null = null;
  /** The request the parser is filling (between its headers and its end). */
  private parsing: ServerStream | null = null;
  /** The upgraded stream whose bytes now pass through raw. */
  private rawStream: ServerStream | null = null;
  /** Headers and target flushed before headers-complete (more than 32 headers, or a split read). */
  private slowHeaders: string[] | null = null;
  private slowUrl = '';
  private trailers: string[] | null = null;
  private advancing = false;
  /** A request was refused: its reply is the last response and nothing after it is parsed. */
  private refused = false;
  /** Responses whose last bytes node has not yet handed to the kernel (Envoy's outbound_responses_). */
  private outboundResponses = 0;
  /** The next request waits for the output to drain (outputBackedUp); reads are held meanwhile. */
  private waitingForOutput = false;
  private readonly onResponseFlushed = (): void => {
    this.outboundResponses--;
    if (this.waitingForOutput) this.advance();
  };
  /** The request being received was answered before its headers were complete: its input is dropped. */
  private answeredEarly = false;
  private readonly scheme: string;
  readonly serverName: string;
  private readonly acceptHttp10: boolean;
  private readonly maxHeadersCount: number;

  constructor(socket: Socket, initial: Buffer | null, readonly callbacks: ServerConnectionCallbacks,
    options: Http1ServerOptions) {
    super(socket, REQUEST, (options.maxRequestHeadersKb > 0 ? options.maxRequestHeadersKb : DEFAULT_MAX_HEADERS_KB) * 1024);
    this.scheme = options.tls ? 'https' : 'http';
    this.serverName = options.serverName ?? 'envoy';
    this.acceptHttp10 = options.acceptHttp10 ?? false;
    this.maxHeadersCount = options.maxRequestHeadersCount ?? DEFAULT_MAX_HEADERS_COUNT;
    if (options.delayedCloseTimeoutMs !== undefined) this.delayedCloseMs = options.delayedCloseTimeoutMs;
    this.startReading(initial);
  }

  private get ignoreInput(): boolean {
    return this.stopped || this.refused || this.answeredEarly;
  }

  // ---- parser events ----

  onParserMessageBegin(): void {
    if (!this.ignoreInput) this.callbacks.onRequestBegin?.();
  }

  onParserHeaders(headers: string[], url: string): void {
    if (this.ignoreInput) return;
    if (this.parsing !== null) {
      const t = (this.trailers ??= []);
      for (let i = 0; i < headers.length; i++) t.push(headers[i]);
      return;
    }
    if (this.slowHeaders === null) this.slowHeaders = headers;
    else for (let i = 0; i < headers.length; i++) this.slowHeaders.push(headers[i]);
    this.slowUrl += url;
  }

  onParserHeadersComplete(major: number, minor: number, headers: string[] | undefined, method: number | undefined,
    url: string | undefined, _status: number | undefined, upgrade: boolean, keepAlive: boolean): number {
    if (this.ignoreInput) return 0;
    this.callbacks.onRequestHeadersComplete?.();
    const raw = headers ?? this.slowHeaders ?? [];
    const target = url === undefined ? this.slowUrl : this.slowUrl + url;
    this.slowHeaders = null;
    this.slowUrl = '';
    if (raw.length > this.maxHeadersCount * 2) {
      this.refuse(TOO_MANY_HEADERS);
      return 0;
    }
    const methodName = METHODS[method ?? 1] ?? 'GET';
    // As Envoy: anything but HTTP/1.1 (HTTP/2.0 and 0.9 included) is HTTP/1.0, refused unless accept_http_10.
    const http11 = major === 1 && minor === 1;
    const s = new ServerStream(this, !http11, methodName === 'HEAD', keepAlive, upgrade);
    const refusal = s.buildHead(raw, methodName, target, this.scheme) ?? (http11 || this.acceptHttp10 ? null : LOW_VERSION);
    if (refusal !== null) {
      this.refuse(refusal);
      return 0;
    }
    if (upgrade) {
      // llhttp stops after this message; afterwards the bytes are the upgraded protocol (or, for h2c, more HTTP/1).
      this.upgradeAfterMessage = true;
      if (s.upgrade) this.rawStream = s;
    }
    this.parsing = s;
    this.enqueue(s);
    return 0;
  }

  /** Starts `s` now if nothing is ahead of it and the client reads its responses; else queues it and stops reading. */
  private enqueue(s: ServerStream): void {
    const q = this.queue;
    if (this.active === null && (q === null || q.length === 0) && !this.outputBackedUp()) {
      this.active = s;
      s.activate();
      return;
    }
    (this.queue ??= []).push(s);
    this.holdReads();
  }

  onParserBody(chunk: Buffer): void {
    if (this.ignoreInput) return;
    this.parsing?.onRequestData(chunk);
  }

  onParserMessageComplete(): void {
    if (this.ignoreInput) return;
    const s = this.parsing;
    if (s === null) return;
    this.parsing = null;
    const t = this.trailers;
    this.trailers = null;
    // An upgraded request has no end here: its body is the raw byte stream that follows.
    if (s !== this.rawStream) s.onRequestEnd(t);
  }

  protected onParseError(err: ParseError): void {
    if (this.ignoreInput) return;
    // Bytes after a `Connection: close` request: that response is the last one anyway.
    if (err.code === 'HPE_CLOSED_CONNECTION') return;
    this.refuse(parseErrorAnswer(err, this.acceptHttp10));
  }

  /**
   * Refuses the request being parsed (or one not yet a stream), as Envoy's codec does: its local reply comes after
   * the responses ahead of it, then the connection closes. Nothing more is parsed.
   */
  private refuse(e: ProtocolError): void {
    this.refused = true;
    this.callbacks.onProtocolError?.();
    const s = this.parsing;
    this.parsing = null;
    if (s === null) {
      const r = new ServerStream(this, false, false, false, false);
      r.protocolError = e;
      this.enqueue(r);
    } else if (s !== this.active) {
      // Queued behind others: answered in its turn.
      s.protocolError = e;
      this.holdReads();
    } else if (s.responseStarted) {
      this.destroy();
    } else {
      s.replyProtocolError(e);
    }
  }

  // ---- raw passthrough and EOF ----

  protected enterRaw(): boolean {
    return this.rawStream !== null;
  }

  protected onRawData(chunk: Buffer): void {
    this.rawStream?.onRequestData(chunk);
  }

  protected onRawEnd(): void {
    const s = this.rawStream;
    if (s === null) this.destroy();
    else s.onRequestEnd(null);
  }

  protected onEof(): void {
    // Envoy does not keep half-closed HTTP/1 connections: a stream still in flight is reset.
    this.destroy();
  }

  // ---- stream turns ----

  onStreamDone(s: ServerStream): void {
    if (s !== this.active) return;
    this.active = null;
    s.finished = true;
    this.releaseReadDisables(s.readDisables);
    s.readDisables = 0;
    if (s.closeAfter || this.draining) {
      this.closeGracefully();
      return;
    }
    this.advance();
  }

  /** Starts the next pipelined request, if any and the client reads its responses; otherwise resumes reading. */
  private advance(): void {
    if (this.advancing) return;
    this.advancing = true;
    try {
      while (this.active === null && !this.stopped && !this.draining) {
        const q = this.queue;
        if (q === null || q.length === 0) break;
        if (this.outputBackedUp()) {
          this.holdReads();
          return;
        }
        const next = q.shift()!;
        this.active = next;
        next.activate();
      }
    } finally {
      this.advancing = false;
    }
    if (this.stopped) return;
    if (this.active !== null) {
      // The request now active may still be arriving (its body behind the bytes read so far): with
      // none waiting behind it and the client reading, read again, or it would wait for itself.
      if (this.readBlocked && !this.refused && (this.queue === null || this.queue.length === 0) && !this.outputBackedUp()) {
        this.waitingForOutput = false;
        this.readBlocked = false;
        this.applyReading();
      }
      return;
    }
    if (this.draining) {
      this.closeGracefully();
      return;
    }
    if (this.outputBackedUp()) {
      this.holdReads();
      return;
    }
    this.waitingForOutput = false;
    if (this.readBlocked) {
      this.readBlocked = false;
      this.applyReading();
    }
  }

  /** The client is not reading what it asked for: Envoy's flood threshold, or the write buffer above its limit. */
  private outputBackedUp(): boolean {
    return this.outboundResponses >= MAX_OUTBOUND_RESPONSES || this.aboveHighWatermark;
  }

  /** Stops reading until advance() finds the queue empty and the output flushed. */
  private holdReads(): void {
    this.waitingForOutput = true;
    if (this.readBlocked) return;
    this.readBlocked = true;
    this.applyReading();
  }

  writeLast(prefix: string, body: Buffer | null, suffix: string): void {
    if (this.closed) return;
    this.outboundResponses++;
    this.write(prefix, body, suffix, this.onResponseFlushed);
  }

  protected override onOutputDrained(): void {
    if (this.waitingForOutput) this.advance();
  }

  protected watermarkListener(): WatermarkListener | null {
    return this.active?.listener ?? null;
  }

  // ---- ServerConnection ----

  shutdownGracefully(): void {
    if (this.stopped || this.draining) return;
    this.draining = true;
    if (this.active === null) this.closeGracefully();
  }

  shutdownNotice(): void {
    // HTTP/1 has no notice: the next response carries `connection: close` once shutdownGracefully is called.
  }

  encoderForPartialRequest(): ServerStream | null {
    if (this.ignoreInput || this.active !== null || this.parsing !== null) return null;
    this.answeredEarly = true;
    // Nothing of the request is known: an HTTP/1.1 answer, and the connection closes after it.
    const s = new ServerStream(this, false, false, false, false);
    this.active = s;
    return s;
  }

  close(): void {
    this.destroy();
  }

  protected onClosed(): void {
    const s = this.active;
    this.active = null;
    this.queue = null;
    this.parsing = null;
    if (s !== null) s.onConnectionClosed();
    const r = this.rawStream;
    if (r !== null && r !== s) r.onConnectionClosed();
  }
}
