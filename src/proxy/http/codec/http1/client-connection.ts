// The upstream HTTP/1 codec: one request at a time on a pooled connection; responses parsed by
// llhttp go to the stream's ResponseDecoder, and the pool hears when the connection is reusable.
import type { Socket } from 'node:net';
import { HeaderMap, type HttpProtocol, type ResponseHead } from '../../headers.js';
import type { ClientConnection, ClientConnectionCallbacks, RequestEncoder, ResponseDecoder,
  WatermarkListener } from '../types.js';
import { EMPTY, Http1ConnectionBase } from './connection-base.js';
import { RESPONSE, type ParseError } from './parser-binding.js';
import { ClientStream, type ClientStreamOwner } from './client-stream.js';

/** Largest response head accepted (Envoy's HTTP/1 client limit). */
const MAX_RESPONSE_HEADERS_KB = 80;

function refuseStream(s: ClientStream): void {
  s.decoder.onResetStream('connection termination', '');
}

/** One upstream HTTP/1 connection. */
export class Http1ClientConnection extends Http1ConnectionBase implements ClientConnection, ClientStreamOwner {
  readonly protocol: HttpProtocol = 'HTTP/1.1';
  streamsStarted = 0;
  private stream: ClientStream | null = null;
  /** The peer will close (Connection: close, HTTP/1.0, close-delimited body). */
  private goAway = false;
  /** This connection takes no further request (upgrade, request cut short, reset). */
  private notReusable = false;
  private slowHeaders: string[] | null = null;
  private trailers: string[] | null = null;
  /** Between a final response's headers and its end (headers seen now are trailers). */
  private inBody = false;
  /** Parsing a 1xx response, which is not passed on. */
  private interim = false;

  /**
   * @param enableTrailers the cluster's http_protocol_options.enable_trailers: without it request trailers are
   * dropped (the body still ends with its last chunk), as Envoy's HTTP/1 codec drops proxied trailers.
   */
  constructor(socket: Socket, private readonly callbacks: ClientConnectionCallbacks, readonly enableTrailers = false) {
    super(socket, RESPONSE, MAX_RESPONSE_HEADERS_KB * 1024);
    socket.setNoDelay(true);
    if (socket.connecting) socket.once('connect', () => this.startReading(null));
    else this.startReading(null);
  }

  get activeStreams(): number {
    return this.stream === null ? 0 : 1;
  }

  get canStream(): boolean {
    return this.stream === null && !this.goAway && !this.notReusable && !this.stopped && !this.raw;
  }

  newStream(decoder: ResponseDecoder): RequestEncoder {
    const s = new ClientStream(this, decoder);
    this.streamsStarted++;
    if (!this.canStream) {
      // The pool asked a busy or closing connection: the stream fails as if the connection had gone.
      s.finished = true;
      process.nextTick(refuseStream, s);
      return s;
    }
    this.stream = s;
    return s;
  }

  close(): void {
    this.destroy();
  }

  // ---- parser events ----

  onParserHeaders(headers: string[], _url: string): void {
    if (this.stopped) return;
    if (this.inBody) {
      const t = (this.trailers ??= []);
      for (let i = 0; i < headers.length; i++) t.push(headers[i]);
    } else if (this.slowHeaders === null) {
      this.slowHeaders = headers;
    } else {
      for (let i = 0; i < headers.length; i++) this.slowHeaders.push(headers[i]);
    }
  }

  onParserHeadersComplete(_major: number, _minor: number, headers: string[] | undefined, _method: number | undefined,
    _url: string | undefined, status: number | undefined, _upgrade: boolean, keepAlive: boolean): number {
    if (this.stopped) return 0;
    const raw = headers ?? this.slowHeaders ?? [];
    this.slowHeaders = null;
    const s = this.stream;
    if (s === null) {
      // A response nobody asked for (e.g. a 408 on an idle connection): drop the connection.
      this.destroy();
      return 0;
    }
    const code = status ?? 0;
    if (code < 200 && code !== 101) {
      this.interim = true;
      return 0;
    }
    this.inBody = true;
    if (!keepAlive) this.markGoAway();
    const head: ResponseHead = { status: code, headers: HeaderMap.fromRaw(raw) };
    let end = false;
    if (code === 101) {
      if (!s.upgrade) {
        this.failStream(s, 'protocol error');
        return 0;
      }
      s.upgraded = true;
      this.upgradeAfterMessage = true;
    } else {
      // A refused upgrade leaves the request's raw bytes behind: the connection cannot be reused.
      if (s.upgrade) this.notReusable = true;
      end = s.isHead || code === 204 || code === 304 ||
        (head.headers.get('content-length') === '0' && !head.headers.has('transfer-encoding'));
    }
    s.endAtHeaders = end;
    // Marked before the decoder runs: whatever it does next (even closing us), this response is whole.
    if (end) s.responseComplete = true;
    if (!s.reset) s.decoder.decodeHeaders(head, end);
    // 1 tells llhttp that a HEAD response has no body whatever its headers say.
    return s.isHead ? 1 : 0;
  }

  onParserBody(chunk: Buffer): void {
    if (this.stopped) return;
    const s = this.stream;
    if (s !== null && !s.reset) s.decoder.decodeData(chunk, false);
  }

  onParserMessageComplete(): void {
    if (this.stopped) return;
    if (this.interim) {
      this.interim = false;
      return;
    }
    this.inBody = false;
    const s = this.stream;
    const t = this.trailers;
    this.trailers = null;
    if (s === null || s.upgraded) return;
    s.responseComplete = true;
    if (!s.endAtHeaders && !s.reset) {
      if (t !== null && t.length > 0) s.decoder.decodeTrailers(HeaderMap.fromRaw(t));
      else s.decoder.decodeData(EMPTY, true);
    }
    this.onResponseComplete(s);
  }

  protected onParseError(_err: ParseError): void {
    if (this.stopped) return;
    const s = this.stream;
    if (s === null) this.destroy();
    else this.failStream(s, 'protocol error');
  }

  // ---- stream ends ----

  private onResponseComplete(s: ClientStream): void {
    // A response that ends before its request was fully sent leaves the connection mid-request.
    if (!s.requestComplete || s.closeRequested) this.notReusable = true;
    this.finishStream(s);
  }

  /** Resets the stream with `reason` and drops the connection. */
  private failStream(s: ClientStream, reason: 'protocol error' | 'connection termination'): void {
    this.notReusable = true;
    if (!s.reset && !s.responseComplete) {
      s.reset = true;
      s.decoder.onResetStream(reason, '');
    }
    this.finishStream(s);
  }

  onLocalReset(s: ClientStream): void {
    this.notReusable = true;
    this.finishStream(s);
  }

  /** The stream is over: the pool hears it, and the connection is kept only if it can be reused. */
  private finishStream(s: ClientStream): void {
    if (this.stream !== s) return;
    this.stream = null;
    s.finished = true;
    this.releaseReadDisables(s.readDisables);
    s.readDisables = 0;
    const reusable = this.canStream;
    this.callbacks.onStreamComplete(this);
    if (!reusable) this.destroy();
  }

  private markGoAway(): void {
    if (this.goAway) return;
    this.goAway = true;
    this.callbacks.onGoAway(this);
  }

  // ---- raw passthrough and EOF ----

  protected enterRaw(): boolean {
    return this.stream !== null && this.stream.upgraded;
  }

  protected onRawData(chunk: Buffer): void {
    const s = this.stream;
    if (s !== null && !s.reset) s.decoder.decodeData(chunk, false);
  }

  protected onRawEnd(): void {
    const s = this.stream;
    if (s === null) {
      this.destroy();
      return;
    }
    s.responseComplete = true;
    this.notReusable = true;
    if (!s.reset) s.decoder.decodeData(EMPTY, true);
    this.finishStream(s);
  }

  protected onEof(): void {
    // A close-delimited body ends at EOF; finish() completes it (and errors if a framed body was cut short).
    if (this.inBody && this.parser !== null) this.parser.finish();
    this.destroy();
  }

  protected onClosed(): void {
    const s = this.stream;
    if (s !== null) {
      this.stream = null;
      s.finished = true;
      if (!s.reset && !s.responseComplete) {
        s.reset = true;
        s.decoder.onResetStream('connection termination', '');
      }
      this.callbacks.onStreamComplete(this);
    }
    this.callbacks.onClose(this);
  }

  protected watermarkListener(): WatermarkListener | null {
    return this.stream?.listener ?? null;
  }
}
