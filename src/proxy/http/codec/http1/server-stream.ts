// One downstream HTTP/1 request/response: turns the parsed request into RequestDecoder calls and
// encodes the response (content-length, chunked or close-delimited framing, trailers, upgrades).
import { HeaderMap, type HttpProtocol, type RequestHead, type ResponseHead } from '../../headers.js';
import type { RequestDecoder, ResponseEncoder, ServerConnectionCallbacks, StreamResetReason,
  WatermarkListener } from '../types.js';
import { CONTINUE_100, CRLF, errorResponse, framePiece, frameTrailers, hasToken, headerBlock, reasonPhrase, statusLine } from './wire.js';
import { EMPTY } from './connection-base.js';
import { INVALID_TRANSFER_ENCODING, INVALID_URL, transferEncodingRefused, type ProtocolError } from './protocol-errors.js';

/** What a stream needs from its connection. */
export interface ServerStreamOwner {
  readonly callbacks: ServerConnectionCallbacks;
  readonly draining: boolean;
  readonly aboveHighWatermark: boolean;
  /** The `server` header of the codec's own error replies. */
  readonly serverName: string;
  write(prefix: string, body: Buffer | null, suffix: string): void;
  /** Writes the last piece of a response (counted until node hands it to the kernel). */
  writeLast(prefix: string, body: Buffer | null, suffix: string): void;
  readDisable(disable: boolean): void;
  onStreamDone(stream: ServerStream): void;
  /** Closes the connection at once (an HTTP/1 stream reset). */
  destroy(): void;
  endSocket(): void;
}

function flushPendingHead(s: ServerStream): void {
  s.flushHead();
}

/** Splits an absolute-form target (`http://host:port/p?q`) into authority and path; null if malformed. */
function splitAbsoluteUrl(url: string): { authority: string; path: string } | null {
  const sep = url.indexOf('://');
  if (sep <= 0) return null;
  const scheme = url.slice(0, sep).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  const start = sep + 3;
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  if (end === start) return null;
  const rest = url.slice(end);
  return { authority: url.slice(start, end), path: rest === '' ? '/' : rest[0] === '/' ? rest : `/${rest}` };
}

/** A request on one downstream connection and the encoder of its response. */
export class ServerStream implements ResponseEncoder {
  readonly protocol: HttpProtocol;
  decoder: RequestDecoder | null = null;
  head: RequestHead | null = null;
  listener: WatermarkListener | null = null;
  /** readDisable(true) calls not yet undone. */
  readDisables = 0;
  requestComplete = false;
  responseStarted = false;
  responseComplete = false;
  /** The connection closes after this response. */
  closeAfter = false;
  /** Reset (by the owner or the codec): no more decoder calls. */
  reset = false;
  /** The connection has moved past this stream. */
  finished = false;
  /** The pending head, sent with the first body bytes (or on the next tick). */
  pendingHead: string | null = null;
  /** A real upgrade (WebSocket, CONNECT): after the head, bytes pass through raw. */
  upgrade: boolean;
  /** The codec refused this request: its turn brings Envoy's local reply for it instead. */
  protocolError: ProtocolError | null = null;
  private expectContinue = false;
  private endAtHeaders = false;
  private chunked = false;
  private discardBody = false;
  private rawResponse = false;
  /** Events of a pipelined request parsed before its turn: Buffer = data, HeaderMap = trailers, null = end. */
  private queued: (Buffer | HeaderMap | null)[] | null = null;

  constructor(private readonly conn: ServerStreamOwner, private readonly http10: boolean,
    private readonly isHead: boolean, private readonly keepAlive: boolean, upgrade: boolean) {
    this.protocol = http10 ? 'HTTP/1.0' : 'HTTP/1.1';
    this.upgrade = upgrade;
  }

  /** Builds the request head from the parser's raw [Name, value ...] list; what Envoy refuses in it, if anything. */
  buildHead(raw: string[], method: string, url: string, scheme: string): ProtocolError | null {
    const headers = new HeaderMap();
    const names = headers.names;
    const values = headers.values;
    let authority: string | undefined;
    let hasBody = false;
    let h2c = false;
    const transferEncodings: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      const value = raw[i + 1];
      switch (name.length) {
        case 4:
          if (name === 'host') {
            authority ??= value;
            continue;
          }
          break;
        case 6:
          if (name === 'expect' && !this.http10 && value.toLowerCase() === '100-continue') {
            this.expectContinue = true;
            continue;
          }
          break;
        case 7:
          if (name === 'upgrade' && this.upgrade && value.toLowerCase() === 'h2c') h2c = true;
          break;
        case 14:
          if (name === 'content-length') hasBody = value !== '0';
          break;
        case 17:
          if (name === 'transfer-encoding') {
            hasBody = true;
            transferEncodings.push(value);
          }
          break;
      }
      names.push(name);
      values.push(value);
    }
    if (transferEncodingRefused(transferEncodings, method)) return INVALID_TRANSFER_ENCODING;
    let path = url;
    if (method === 'CONNECT') {
      authority = url;
      path = '';
    } else if (url.length > 0 && url.charCodeAt(0) !== 47 /* / */ && url !== '*') {
      // Absolute form (explicit proxy): the target's authority wins over Host (RFC 7230 5.4).
      const abs = splitAbsoluteUrl(url);
      if (abs === null) return INVALID_URL;
      authority = abs.authority;
      path = abs.path;
    }
    if (h2c) {
      // Envoy ignores h2c upgrade requests: they go on as plain HTTP/1.1.
      this.upgrade = false;
      headers.remove('upgrade');
      headers.remove('http2-settings');
      const conn = headers.get('connection');
      if (conn !== undefined) {
        const kept = conn.split(',').map((t) => t.trim()).filter((t) => {
          const l = t.toLowerCase();
          return l !== '' && l !== 'upgrade' && l !== 'http2-settings';
        });
        if (kept.length === 0) headers.remove('connection');
        else headers.set('connection', kept.join(','));
      }
    }
    this.endAtHeaders = !hasBody && !this.upgrade;
    this.requestComplete = this.endAtHeaders;
    this.head = { method, path, authority: authority ?? '', scheme, protocol: this.protocol, headers };
    return null;
  }

  /** The stream's turn has come: hand it to the connection manager and replay what was parsed. */
  activate(): void {
    const conn = this.conn;
    const decoder = conn.callbacks.newStream(this);
    this.decoder = decoder;
    if (this.protocolError !== null) {
      this.replyProtocolError(this.protocolError);
      return;
    }
    if (this.expectContinue && !this.requestComplete) conn.write(CONTINUE_100, null, '');
    decoder.decodeHeaders(this.head!, this.endAtHeaders);
    const q = this.queued;
    if (q === null) return;
    this.queued = null;
    for (let i = 0; i < q.length && !this.reset; i++) this.deliver(q[i]);
  }

  private deliver(e: Buffer | HeaderMap | null): void {
    const d = this.decoder!;
    if (e === null) d.decodeData(EMPTY, true);
    else if (e instanceof HeaderMap) d.decodeTrailers(e);
    else d.decodeData(e, false);
  }

  onRequestData(chunk: Buffer): void {
    if (this.reset) return;
    if (this.decoder === null) (this.queued ??= []).push(chunk);
    else this.decoder.decodeData(chunk, false);
  }

  /** The request ended (message complete, or EOF of an upgraded stream); `trailers` in raw form. */
  onRequestEnd(trailers: string[] | null): void {
    if (this.requestComplete) return;
    this.requestComplete = true;
    if (!this.reset) {
      const e = trailers !== null && trailers.length > 0 ? HeaderMap.fromRaw(trailers) : null;
      if (this.decoder === null) (this.queued ??= []).push(e);
      else this.deliver(e);
    }
    if (this.responseComplete) this.conn.onStreamDone(this);
  }

  /** The connection went away under this stream. */
  onConnectionClosed(): void {
    if (this.reset || (this.requestComplete && this.responseComplete)) return;
    this.reset = true;
    this.decoder?.onResetStream('connection termination');
  }

  /**
   * Envoy's sendProtocolError: the connection manager's local reply (access log, stats), with the reason phrase
   * as its body; a decoder that makes no local replies gets the codec's own. The connection closes after it.
   */
  replyProtocolError(e: ProtocolError): void {
    this.protocolError = e;
    this.closeAfter = true;
    this.queued = null;
    const d = this.decoder!;
    if (d.sendLocalReply !== undefined) {
      d.sendLocalReply({ status: e.status, body: reasonPhrase(e.status), details: e.details, flag: 'DPE' });
      return;
    }
    this.responseStarted = true;
    this.conn.writeLast(errorResponse(e.status, this.conn.serverName), null, '');
    this.onResponseComplete();
  }

  // ---- ResponseEncoder ----

  encodeHeaders(head: ResponseHead, endStream: boolean): void {
    if (this.responseStarted || this.reset) return;
    const status = head.status;
    const h = head.headers;
    if (status < 200 && status !== 101) {
      this.conn.write(statusLine(status, this.http10) + headerBlock(h, false) + CRLF, null, '');
      return;
    }
    this.responseStarted = true;
    let text = statusLine(status, this.http10) + headerBlock(h, false);
    if (status === 101) {
      this.rawResponse = true;
      this.closeAfter = true;
    } else {
      // A refused upgrade leaves non-HTTP bytes behind the request: the connection cannot be reused.
      if (this.upgrade || !this.keepAlive || this.conn.draining) this.closeAfter = true;
      // An owner that sets `connection` itself (e.g. `close` while draining) decides; it is not repeated.
      const connection = h.get('connection');
      if (connection !== undefined && hasToken(connection, 'close')) this.closeAfter = true;
      const noBody = this.isHead || status === 204 || status === 304;
      const hasLength = h.names.indexOf('content-length') !== -1;
      if (endStream) {
        if (!hasLength && !noBody) text += 'content-length: 0\r\n';
      } else if (noBody) {
        this.discardBody = true;
      } else if (!hasLength) {
        if (this.http10) this.closeAfter = true;
        else {
          this.chunked = true;
          text += 'transfer-encoding: chunked\r\n';
        }
      }
      if (connection === undefined) {
        if (this.closeAfter) text += 'connection: close\r\n';
        else if (this.http10) text += 'connection: keep-alive\r\n';
      } else if (this.closeAfter && !hasToken(connection, 'close')) {
        text += 'connection: close\r\n';
      }
    }
    text += CRLF;
    if (endStream) {
      this.conn.writeLast(text, null, '');
      this.onResponseComplete();
    } else {
      this.pendingHead = text;
      process.nextTick(flushPendingHead, this);
    }
  }

  /** Writes a head still waiting for body bytes. */
  flushHead(): void {
    const head = this.pendingHead;
    if (head === null) return;
    this.pendingHead = null;
    this.conn.write(head, null, '');
  }

  encodeData(chunk: Buffer, endStream: boolean): void {
    if (!this.responseStarted || this.responseComplete || this.reset) return;
    const prefix = this.pendingHead ?? '';
    this.pendingHead = null;
    const [before, body, after] = framePiece(this.chunked, prefix, this.discardBody ? null : chunk, endStream);
    if (!endStream) {
      this.conn.write(before, body, after);
      return;
    }
    this.conn.writeLast(before, body, after);
    if (this.rawResponse && !this.chunked) this.conn.endSocket();
    this.onResponseComplete();
  }

  encodeTrailers(trailers: HeaderMap): void {
    if (!this.responseStarted || this.responseComplete || this.reset) return;
    const prefix = this.pendingHead ?? '';
    this.pendingHead = null;
    this.conn.writeLast(prefix, null, frameTrailers(this.chunked, trailers));
    if (this.rawResponse && !this.chunked) this.conn.endSocket();
    this.onResponseComplete();
  }

  private onResponseComplete(): void {
    this.responseComplete = true;
    // Envoy closes an HTTP/1 connection whose request was not fully read.
    if (!this.requestComplete) this.closeAfter = true;
    this.conn.onStreamDone(this);
  }

  resetStream(_reason: StreamResetReason): void {
    if (this.reset) return;
    this.reset = true;
    this.conn.destroy();
  }

  readDisable(disable: boolean): void {
    if (this.finished || this.reset) return;
    if (disable) {
      this.readDisables++;
      this.conn.readDisable(true);
    } else if (this.readDisables > 0) {
      this.readDisables--;
      this.conn.readDisable(false);
    }
  }

  setWatermarkListener(listener: WatermarkListener | null): void {
    this.listener = listener;
    if (listener !== null && this.conn.aboveHighWatermark) listener.onAboveWriteBufferHighWatermark();
  }
}
