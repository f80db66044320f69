// The downstream HTTP/2 codec: a node:http2 server session on an accepted socket (h2c prior knowledge
// or TLS with ALPN h2), each incoming stream handed to the connection manager as a RequestDecoder.
import http2 from 'node:http2';
import type { Http2Stream, OutgoingHttpHeaders, ServerHttp2Session, ServerHttp2Stream,
  ServerStreamResponseOptions } from 'node:http2';
import type { Socket } from 'node:net';
import type { HeaderMap, RequestHead, ResponseHead } from '../../headers.js';
import { runtime } from '../../../runtime/runtime.js';
import type { RequestDecoder, ResponseEncoder, ServerCodecOptions, ServerConnection, ServerConnectionCallbacks,
  StreamResetReason } from '../types.js';
import { rawHeaderBytes, requestHeadFromRaw, responseHeadersToH2 } from './header-convert.js';
import { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_FLAG_END_STREAM, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR,
  NGHTTP2_REFUSED_STREAM, serverSessionOptions, widenConnectionWindow } from './session-options.js';
import { SessionWatchdog } from './session-watchdog.js';
import { H2StreamBase, HeadMode } from './stream-base.js';

const kConnection = Symbol('strait.h2.serverConnection');
/** The highest HTTP/2 stream id (2^31 - 1). */
const MAX_STREAM_ID = 0x7fffffff;

/** Envoy's runtime key bounding the requests one connection starts per I/O cycle (unset: no bound). */
export const MAX_REQUESTS_PER_IO_CYCLE_KEY = 'http.max_requests_per_io_cycle';
const UINT32_MAX = 4294967295;
/** Envoy's default max_headers_count. */
const DEFAULT_MAX_HEADERS_COUNT = 100;

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
  /** The request head until it is dispatched to the decoder. */
  private head: RequestHead | null = null;
  private endAtHeaders = false;

  constructor(private readonly conn: Http2ServerConnection) {
    super();
  }

  /**
   * Wires the node stream and opens the connection manager's stream; the headers are dispatched later
   * (see Http2ServerConnection.dispatchStreams), and the stream's reads are held until then.
   */
  open(stream: ServerHttp2Stream, raw: readonly string[], endStream: boolean, callbacks: ServerConnectionCallbacks,
    defaultScheme: string): void {
    this.head = requestHeadFromRaw(raw, defaultScheme);
    this.endAtHeaders = endStream;
    this.headersPending = true;
    this.holdReads(true);
    this.attach(stream);
    if (endStream) this.remoteEnded = true;
    this.decoder = callbacks.newStream(this);
  }

  /** Delivers the request headers unless the stream was reset meanwhile; false when it was. */
  dispatchHeaders(): boolean {
    const head = this.head!;
    this.head = null;
    if (this.resetDone || this.writeClosed) return false;
    this.decoder!.decodeHeaders(head, this.endAtHeaders);
    this.headersDelivered();
    this.holdReads(false);
    return true;
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
  private readonly maxHeadersCount: number;
  /** Streams opened since the last dispatch, whose headers wait for the end of the I/O cycle. */
  private undispatched: H2ServerStream[] = [];
  private dispatchScheduled: NodeJS.Immediate | null = null;

  constructor(private readonly socket: Socket, initial: Buffer | null,
    private readonly callbacks: ServerConnectionCallbacks, private readonly options: ServerCodecOptions) {
    this.defaultScheme = options.tls ? 'https' : 'http';
    this.maxHeaderBytes = options.maxRequestHeadersKb * 1024;
    this.maxHeadersCount = options.maxRequestHeadersCount ?? DEFAULT_MAX_HEADERS_COUNT;
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
    if (this.session.destroyed) {
      // Node goes on emitting the streams of bytes read before the session took the socket (the rest of the
      // first read, replayed at once) after the session was destroyed, e.g. for too many premature resets.
      stream.on('error', onSessionError);
      stream.destroy();
      return;
    }
    if (raw.length / 2 > this.maxHeadersCount || rawHeaderBytes(raw) > this.maxHeaderBytes) {
      // As Envoy's codec: too many or too large request headers reset the stream (INTERNAL_ERROR, as nghttp2
      // does for a failed header callback) before the connection manager sees it.
      this.options.http2HeaderOverflow?.inc();
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
    s.open(stream, raw, (flags & NGHTTP2_FLAG_END_STREAM) !== 0, this.callbacks, this.defaultScheme);
    this.undispatched.push(s);
    this.dispatchScheduled ??= setImmediate(onDispatchStreams, this);
  }

  /**
   * Node hands over a read's frames one by one, so a HEADERS and the RST_STREAM right behind it (a rapid
   * reset) would otherwise reach routing and the upstream before the reset is seen. The headers are
   * dispatched once the I/O cycle's reads are processed instead: a stream reset by then starts no work.
   * At most http.max_requests_per_io_cycle are dispatched per cycle; the rest wait for the next one.
   */
  dispatchStreams(): void {
    this.dispatchScheduled = null;
    const queue = this.undispatched;
    this.undispatched = [];
    const budget = Math.max(1, runtime.getInteger(MAX_REQUESTS_PER_IO_CYCLE_KEY, UINT32_MAX));
    let i = 0;
    let dispatched = 0;
    while (i < queue.length && dispatched < budget) {
      if (queue[i++].dispatchHeaders()) dispatched++;
    }
    if (i < queue.length && !this.session.destroyed) {
      this.undispatched = queue.slice(i);
      this.dispatchScheduled = setImmediate(onDispatchStreams, this);
    }
  }

  onStreamFinished(s: H2ServerStream): void {
    this.streams.delete(s);
  }

  onSessionClose(): void {
    if (this.dispatchScheduled !== null) clearImmediate(this.dispatchScheduled);
    this.dispatchScheduled = null;
    this.undispatched = [];
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

  close(peerMisbehaved = false): void {
    if (this.session.destroyed) {
      if (!this.socket.destroyed) this.socket.destroy();
      return;
    }
    // destroy() sends GOAWAY with the code. The error must be null, not undefined: node's default parameter
    // would otherwise take the place of the error and the code would be NO_ERROR.
    this.session.destroy(null as unknown as undefined, peerMisbehaved ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_NO_ERROR);
    // Node then ends the socket gracefully, which can wait on a peer that keeps sending; the GOAWAY has been
    // handed to the socket by now, so the socket is closed on the next turn of the loop.
    setImmediate(destroySocket, this.socket);
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

function destroySocket(socket: Socket): void {
  if (!socket.destroyed) socket.destroy();
}

function onDispatchStreams(conn: Http2ServerConnection): void {
  conn.dispatchStreams();
}
