// The downstream HTTP/1 codec: requests parsed by llhttp become streams for the connection
// manager, one at a time; pipelined requests wait their turn, so responses leave in order.
import type { Socket } from 'node:net';
import type { HttpProtocol } from '../../headers.js';
import type { ServerCodecOptions, ServerConnection, ServerConnectionCallbacks, WatermarkListener } from '../types.js';
import { Http1ConnectionBase } from './connection-base.js';
import { METHODS, REQUEST, type ParseError } from './parser-binding.js';
import { ServerStream, type ServerStreamOwner } from './server-stream.js';
import { errorResponse } from './wire.js';

/** Envoy's default max_headers_count: more request headers than this get a 431. */
const MAX_HEADERS_COUNT = 100;
/** Envoy's default max_request_headers_kb. */
const DEFAULT_MAX_HEADERS_KB = 60;

/** Server codec options plus the optional server name for codec-level error replies. */
export interface Http1ServerOptions extends ServerCodecOptions {
  /** The `server` header of the codec's own 400/431 replies (HCM server_name; default "envoy"). */
  serverName?: string;
}

function onIdleTimeout(conn: Http1ServerConnection): void {
  conn.onIdleTimeout();
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
  /** A 400/431 to send once the responses ahead of it are out (0 = none). */
  private pendingError = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly scheme: string;
  private readonly serverName: string;
  private readonly idleTimeoutMs: number;

  constructor(socket: Socket, initial: Buffer | null, readonly callbacks: ServerConnectionCallbacks,
    options: Http1ServerOptions) {
    super(socket, REQUEST, (options.maxRequestHeadersKb > 0 ? options.maxRequestHeadersKb : DEFAULT_MAX_HEADERS_KB) * 1024);
    this.scheme = options.tls ? 'https' : 'http';
    this.serverName = options.serverName ?? 'envoy';
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.armIdle();
    this.startReading(initial);
  }

  private get ignoreInput(): boolean {
    return this.stopped || this.pendingError !== 0;
  }

  // ---- parser events ----

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
    const raw = headers ?? this.slowHeaders ?? [];
    const target = url === undefined ? this.slowUrl : this.slowUrl + url;
    this.slowHeaders = null;
    this.slowUrl = '';
    if (raw.length > MAX_HEADERS_COUNT * 2) {
      this.failRequest(431);
      return 0;
    }
    const methodName = METHODS[method ?? 1] ?? 'GET';
    const s = new ServerStream(this, major === 0 || (major === 1 && minor === 0), methodName === 'HEAD', keepAlive,
      upgrade);
    if (!s.buildHead(raw, methodName, target, this.scheme)) {
      this.failRequest(400);
      return 0;
    }
    if (upgrade) {
      // llhttp stops after this message; afterwards the bytes are the upgraded protocol (or, for h2c, more HTTP/1).
      this.upgradeAfterMessage = true;
      if (s.upgrade) this.rawStream = s;
    }
    this.parsing = s;
    if (this.active === null) {
      this.active = s;
      s.activate();
    } else {
      (this.queue ??= []).push(s);
      this.readBlocked = true;
      this.applyReading();
    }
    return 0;
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
    this.failRequest(err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400);
  }

  /** Rejects the request being parsed: 400/431 after the responses ahead of it, then close. */
  private failRequest(status: number): void {
    const s = this.parsing;
    this.parsing = null;
    if (s !== null) {
      if (s === this.active) {
        if (s.responseStarted) {
          this.destroy();
          return;
        }
        s.resetByCodec('protocol error');
        s.finished = true;
        this.active = null;
      } else if (this.queue !== null) {
        const i = this.queue.indexOf(s);
        if (i !== -1) this.queue.splice(i, 1);
      }
    }
    this.pendingError = status;
    if (this.active === null && (this.queue === null || this.queue.length === 0)) this.sendError();
    else {
      this.readBlocked = true;
      this.applyReading();
    }
  }

  private sendError(): void {
    this.write(errorResponse(this.pendingError, this.serverName), null, '');
    this.closeGracefully();
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

  /** Starts the next pipelined request, if any; otherwise resumes reading. */
  private advance(): void {
    if (this.advancing) return;
    this.advancing = true;
    try {
      while (this.active === null && !this.stopped) {
        const q = this.queue;
        if (q === null || q.length === 0 || this.draining) break;
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
      // none waiting behind it, read again, or it would wait for itself.
      if (this.readBlocked && this.pendingError === 0 && (this.queue === null || this.queue.length === 0)) {
        this.readBlocked = false;
        this.applyReading();
      }
      return;
    }
    if (this.pendingError !== 0) {
      this.sendError();
      return;
    }
    if (this.draining) {
      this.closeGracefully();
      return;
    }
    if (this.readBlocked) {
      this.readBlocked = false;
      this.applyReading();
    }
    this.armIdle();
  }

  protected watermarkListener(): WatermarkListener | null {
    return this.active?.listener ?? null;
  }

  // ---- idle timeout ----

  private armIdle(): void {
    if (this.idleTimeoutMs <= 0) return;
    if (this.idleTimer === null) {
      this.idleTimer = setTimeout(onIdleTimeout, this.idleTimeoutMs, this);
      this.idleTimer.unref();
    } else {
      this.idleTimer.refresh();
    }
  }

  /** common_http_protocol_options.idle_timeout: no stream for that long closes the connection. */
  onIdleTimeout(): void {
    if (this.stopped || this.active !== null || this.parsing !== null) return;
    this.closeGracefully();
  }

  // ---- ServerConnection ----

  shutdownGracefully(): void {
    if (this.stopped || this.draining) return;
    this.draining = true;
    if (this.active === null) this.closeGracefully();
  }

  close(): void {
    this.destroy();
  }

  protected onClosed(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    const s = this.active;
    this.active = null;
    this.queue = null;
    this.parsing = null;
    if (s !== null) s.onConnectionClosed();
    const r = this.rawStream;
    if (r !== null && r !== s) r.onConnectionClosed();
  }
}
