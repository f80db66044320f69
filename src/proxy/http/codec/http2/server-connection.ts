// The downstream HTTP/2 codec: a node:http2 server session on an accepted socket (h2c prior knowledge
// or TLS with ALPN h2), each incoming stream handed to the connection manager as a RequestDecoder.
import http2 from 'node:http2';
import type { Http2Stream, OutgoingHttpHeaders, ServerHttp2Session, ServerHttp2Stream,
  ServerStreamResponseOptions } from 'node:http2';
import type { Socket } from 'node:net';
import type { HeaderMap, ResponseHead } from '../../headers.js';
import type { RequestDecoder, ResponseEncoder, ServerCodecOptions, ServerConnection, ServerConnectionCallbacks,
  StreamResetReason } from '../types.js';
import { rawHeaderBytes, requestHeadFromRaw, responseHeadersToH2 } from './header-convert.js';
import { NGHTTP2_FLAG_END_STREAM, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM,
  serverSessionOptions, widenConnectionWindow } from './session-options.js';
import { SessionWatchdog } from './session-watchdog.js';
import { H2StreamBase, HeadMode } from './stream-base.js';

const kConnection = Symbol('strait.h2.serverConnection');
/** The highest HTTP/2 stream id (2^31 - 1). */
const MAX_STREAM_ID = 0x7fffffff;

type OwnedSession = ServerHttp2Session & { [kConnection]: Http2ServerConnection };

/** node's respond() also takes sendDate (not in @types/node); the date header is the connection manager's job. */
type RespondOptions = ServerStreamResponseOptions & { sendDate: boolean };

/** respond() options by HeadMode. */
const RESPOND: readonly RespondOptions[] = [
  { endStream: true, sendDate: false },
  { endStream: false, sendDate: false },
  { endStream: false, waitForTrailers: true, sendDate: false },
];

/** One downstream request/response exchange: the ResponseEncoder the connection manager writes to. */
class H2ServerStream extends H2StreamBase implements ResponseEncoder {
  readonly protocol = 'HTTP/2';
  private decoder: RequestDecoder | null = null;

  constructor(private readonly conn: Http2ServerConnection) {
    super();
  }

  /** Wires the node stream and delivers the request headers. */
  start(stream: ServerHttp2Stream, raw: readonly string[], endStream: boolean, callbacks: ServerConnectionCallbacks,
    defaultScheme: string): void {
    const head = requestHeadFromRaw(raw, defaultScheme);
    this.attach(stream);
    if (endStream) this.remoteEnded = true;
    const decoder = callbacks.newStream(this);
    this.decoder = decoder;
    decoder.decodeHeaders(head, endStream);
  }

  encodeHeaders(head: ResponseHead, endStream: boolean): void {
    const stream = this.writableStream() as ServerHttp2Stream | null;
    if (stream === null || this.headersSent) return;
    const headers = responseHeadersToH2(head);
    if (head.status < 200) {
      // 1xx goes out at once as an informational HEADERS frame; the final head follows.
      try {
        stream.additionalHeaders(headers);
      } catch {
        this.fail('local reset');
      }
      return;
    }
    this.startHead(headers, endStream);
  }

  protected sendHead(headers: OutgoingHttpHeaders, mode: HeadMode): boolean {
    const stream = this.stream as ServerHttp2Stream;
    try {
      stream.respond(headers, RESPOND[mode]);
    } catch {
      this.fail('local reset');
      return false;
    }
    // Node ends 204/205/304 and HEAD responses itself; later body writes are dropped.
    if (stream.writableEnded) this.localEnded = true;
    return true;
  }

  resetStream(reason: StreamResetReason): void {
    // Envoy's codec sends REFUSED_STREAM only for refused streams, NO_ERROR for every other local reset.
    this.resetWith(reason === 'local refused stream reset' ? NGHTTP2_REFUSED_STREAM : NGHTTP2_NO_ERROR);
  }

  protected deliverData(chunk: Buffer, endStream: boolean): void {
    this.decoder?.decodeData(chunk, endStream);
  }

  protected deliverTrailers(trailers: HeaderMap): void {
    this.decoder?.decodeTrailers(trailers);
  }

  protected deliverReset(reason: StreamResetReason): void {
    this.decoder?.onResetStream(reason);
  }

  protected isIncomplete(): boolean {
    // Once the response is out the connection manager is done with the stream.
    return !this.localEnded;
  }

  protected sessionGone(): boolean {
    return this.conn.session.destroyed;
  }

  protected onFinished(): void {
    this.conn.onStreamFinished(this);
  }
}

/** A downstream HTTP/2 connection. */
export class Http2ServerConnection implements ServerConnection {
  readonly protocol = 'HTTP/2';
  readonly session: ServerHttp2Session;
  private readonly watchdog: SessionWatchdog;
  private readonly streams = new Set<H2ServerStream>();
  private readonly defaultScheme: string;
  private readonly maxHeaderBytes: number;

  constructor(private readonly socket: Socket, initial: Buffer | null,
    private readonly callbacks: ServerConnectionCallbacks, options: ServerCodecOptions) {
    this.defaultScheme = options.tls ? 'https' : 'http';
    this.maxHeaderBytes = options.maxRequestHeadersKb * 1024;
    // Bytes read while sniffing the preface go back in front; node reads a socket's buffered data first.
    if (initial !== null && initial.length > 0) socket.unshift(initial);
    const session = http2.performServerHandshake(socket, serverSessionOptions(options));
    this.session = session;
    (session as OwnedSession)[kConnection] = this;
    session.on('stream', onSessionStream);
    session.on('close', onSessionClose);
    session.on('error', onSessionError);
    widenConnectionWindow(session);
    this.watchdog = new SessionWatchdog(session);
  }

  onStream(stream: ServerHttp2Stream, flags: number, raw: readonly string[]): void {
    if (rawHeaderBytes(raw) > this.maxHeaderBytes) {
      // As Envoy: oversized request headers reset the stream before the connection manager sees it.
      stream.on('error', onSessionError);
      try {
        stream.close(NGHTTP2_INTERNAL_ERROR);
      } catch {
        stream.destroy();
      }
      return;
    }
    const s = new H2ServerStream(this);
    this.streams.add(s);
    s.start(stream, raw, (flags & NGHTTP2_FLAG_END_STREAM) !== 0, this.callbacks, this.defaultScheme);
  }

  onStreamFinished(s: H2ServerStream): void {
    this.streams.delete(s);
  }

  onSessionClose(): void {
    this.watchdog.stop();
    for (const s of [...this.streams]) s.connectionClosed();
    if (!this.socket.destroyed) this.socket.destroy();
  }

  shutdownGracefully(): void {
    const session = this.session;
    if (session.closed || session.destroyed) return;
    // close() sends GOAWAY with the last processed stream id and destroys the session once streams finish.
    session.close();
  }

  close(): void {
    if (!this.session.destroyed) this.session.destroy();
    if (!this.socket.destroyed) this.socket.destroy();
  }

  shutdownNotice(): void {
    const session = this.session;
    if (session.closed || session.destroyed) return;
    // nghttp2's shutdown notice: a GOAWAY naming the highest stream id, so streams the client opens meanwhile are still accepted.
    session.goaway(NGHTTP2_NO_ERROR, MAX_STREAM_ID);
  }

  encoderForPartialRequest(): null {
    // node:http2 hands over a stream only once its headers are complete.
    return null;
  }
}

function onSessionStream(this: ServerHttp2Session, stream: Http2Stream, _headers: unknown, flags: number,
  raw?: readonly string[]): void {
  (this as OwnedSession)[kConnection].onStream(stream as ServerHttp2Stream, flags, raw ?? []);
}

function onSessionClose(this: ServerHttp2Session): void {
  (this as OwnedSession)[kConnection].onSessionClose();
}

function onSessionError(): void {
  // Protocol and socket errors end the session (or stream); 'close' follows and resets the streams.
}

