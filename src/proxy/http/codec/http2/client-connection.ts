// The upstream HTTP/2 codec: a node:http2 client session over a socket the connection pool opened,
// multiplexing the router's requests and reporting GOAWAY, stream completion and close to the pool.
import http2 from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, ClientSessionRequestOptions, OutgoingHttpHeaders,
  Settings } from 'node:http2';
import type { Socket } from 'node:net';
import type { HeaderMap, RequestHead } from '../../headers.js';
import type { ClientConnection, ClientConnectionCallbacks, RequestEncoder, ResponseDecoder,
  StreamResetReason } from '../types.js';
import { requestHeadersToH2, responseHeadFromRaw } from './header-convert.js';
import { clientSessionOptions, NGHTTP2_FLAG_END_STREAM, NGHTTP2_NO_ERROR,
  widenConnectionWindow } from './session-options.js';
import { SessionWatchdog } from './session-watchdog.js';
import { H2StreamBase, HeadMode, kOwner } from './stream-base.js';

const kConnection = Symbol('strait.h2.clientConnection');

type OwnedSession = ClientHttp2Session & { [kConnection]: Http2ClientConnection };

/** request() options by HeadMode. */
const REQUEST: readonly ClientSessionRequestOptions[] = [
  { endStream: true },
  { endStream: false },
  { endStream: false, waitForTrailers: true },
];

/** Node's assumption about the peer's SETTINGS_MAX_CONCURRENT_STREAMS until its SETTINGS arrive. */
const DEFAULT_PEER_MAX_CONCURRENT_STREAMS = 100;

/** One upstream request/response exchange: the RequestEncoder the router writes to. */
class H2ClientStream extends H2StreamBase implements RequestEncoder {
  constructor(private readonly conn: Http2ClientConnection, private readonly decoder: ResponseDecoder) {
    super();
  }

  encodeHeaders(head: RequestHead, endStream: boolean): void {
    if (this.headersSent || this.writeClosed) return;
    this.startHead(requestHeadersToH2(head), endStream);
  }

  protected sendHead(headers: OutgoingHttpHeaders, mode: HeadMode): boolean {
    const session = this.conn.session;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, REQUEST[mode]);
    } catch {
      this.writeClosed = true;
      const reason: StreamResetReason = session.closed || session.destroyed ? 'connection termination' : 'local reset';
      // Reported on the next tick: the router may still be inside an encode call.
      process.nextTick(reportEncodeFailure, this, reason);
      return false;
    }
    this.attach(stream);
    stream.on('response', onStreamResponse);
    return true;
  }

  resetStream(): void {
    this.resetWith(NGHTTP2_NO_ERROR);
  }

  onResponse(flags: number, raw: readonly string[]): void {
    if (this.resetDone || this.remoteEnded) return;
    const endStream = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
    if (endStream) this.remoteEnded = true;
    this.decoder.decodeHeaders(responseHeadFromRaw(raw), endStream);
  }

  /** The request could not be sent at all. */
  reportEncodeFailure(reason: StreamResetReason): void {
    if (!this.resetDone) {
      this.resetDone = true;
      this.decoder.onResetStream(reason, '');
    }
    this.finish();
  }

  protected deliverData(chunk: Buffer, endStream: boolean): void {
    this.decoder.decodeData(chunk, endStream);
  }

  protected deliverTrailers(trailers: HeaderMap): void {
    this.decoder.decodeTrailers(trailers);
  }

  protected deliverReset(reason: StreamResetReason): void {
    this.decoder.onResetStream(reason, '');
  }

  protected isIncomplete(): boolean {
    // A complete response is a complete exchange, even if the server stopped reading our body.
    return !this.remoteEnded;
  }

  protected sessionGone(): boolean {
    return this.conn.session.destroyed;
  }

  protected onFinished(): void {
    this.conn.onStreamFinished(this);
  }
}

/** An upstream HTTP/2 connection. */
export class Http2ClientConnection implements ClientConnection {
  readonly protocol = 'HTTP/2';
  readonly session: ClientHttp2Session;
  activeStreams = 0;
  streamsStarted = 0;
  private readonly watchdog: SessionWatchdog;
  private readonly streams = new Set<H2ClientStream>();
  private peerMaxConcurrentStreams = DEFAULT_PEER_MAX_CONCURRENT_STREAMS;
  private goAwayReceived = false;
  private closed = false;

  constructor(readonly socket: Socket, private readonly callbacks: ClientConnectionCallbacks) {
    // The URL only supplies node's defaults; every request carries its own :scheme and :authority.
    const tls = (socket as Socket & { encrypted?: boolean }).encrypted === true;
    const url = tls ? 'https://upstream' : 'http://upstream';
    const session = http2.connect(url, { ...clientSessionOptions(), createConnection: () => socket });
    this.session = session;
    (session as OwnedSession)[kConnection] = this;
    session.on('goaway', onSessionGoAway);
    session.on('remoteSettings', onSessionRemoteSettings);
    session.on('close', onSessionClose);
    session.on('error', onSessionError);
    widenConnectionWindow(session);
    this.watchdog = new SessionWatchdog(session);
  }

  get canStream(): boolean {
    const session = this.session;
    return !this.goAwayReceived && !this.closed && !session.closed && !session.destroyed
      && this.activeStreams < this.peerMaxConcurrentStreams;
  }

  newStream(decoder: ResponseDecoder): RequestEncoder {
    const s = new H2ClientStream(this, decoder);
    this.streams.add(s);
    this.activeStreams++;
    this.streamsStarted++;
    return s;
  }

  close(): void {
    if (!this.session.destroyed) this.session.destroy();
  }

  onStreamFinished(s: H2ClientStream): void {
    if (!this.streams.delete(s)) return;
    this.activeStreams--;
    this.callbacks.onStreamComplete(this);
  }

  onGoAway(): void {
    if (this.goAwayReceived || this.closed) return;
    this.goAwayReceived = true;
    this.callbacks.onGoAway(this);
  }

  onRemoteSettings(settings: Settings): void {
    const max = settings.maxConcurrentStreams;
    if (max !== undefined) this.peerMaxConcurrentStreams = max;
  }

  onSessionClose(): void {
    if (this.closed) return;
    this.watchdog.stop();
    this.closed = true;
    for (const s of [...this.streams]) s.connectionClosed();
    if (!this.socket.destroyed) this.socket.destroy();
    this.callbacks.onClose(this);
  }
}

function reportEncodeFailure(s: H2ClientStream, reason: StreamResetReason): void {
  s.reportEncodeFailure(reason);
}

function onStreamResponse(this: ClientHttp2Stream, _headers: unknown, flags: number, raw?: readonly string[]): void {
  ((this as ClientHttp2Stream & { [kOwner]: H2ClientStream })[kOwner]).onResponse(flags, raw ?? []);
}

function onSessionGoAway(this: ClientHttp2Session): void {
  (this as OwnedSession)[kConnection].onGoAway();
}

function onSessionRemoteSettings(this: ClientHttp2Session, settings: Settings): void {
  (this as OwnedSession)[kConnection].onRemoteSettings(settings);
}

function onSessionClose(this: ClientHttp2Session): void {
  (this as OwnedSession)[kConnection].onSessionClose();
}

function onSessionError(): void {
  // Socket and protocol errors end the session; 'close' follows and resets the streams.
}
