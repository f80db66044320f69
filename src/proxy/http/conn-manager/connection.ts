// One downstream connection under the HTTP connection manager: creates streams for the codec, runs
// the connection's timers (idle_timeout from accept, max_connection_duration, drain_timeout, and the
// stream timers of an HTTP/1 request whose headers are still arriving) and keeps `downstream_cx_*` stats.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { sslConnectionInfo, type SslConnectionInfo } from '../../tls/ssl-connection-info.js';
import { createServerConnection } from '../codec/index.js';
import type { ResponseEncoder, ServerConnection, ServerConnectionCallbacks } from '../codec/types.js';
import type { HcmConfig } from './config.js';
import { ActiveStream } from './active-stream.js';
import type { StreamTimeout } from './stream-timeouts.js';
import { HeaderPhase, type HeaderPhaseOwner } from './header-phase.js';
import { PrematureResetTracker } from './premature-resets.js';

/** Strips the IPv4-mapped prefix node gives dual-stack sockets. */
function plainIp(ip: string | undefined): string {
  if (ip === undefined) return '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function joinHostPort(ip: string, port: number | undefined): string {
  return ip.includes(':') ? `[${ip}]:${port ?? 0}` : `${ip}:${port ?? 0}`;
}

function onIdleTimer(c: HcmConnection): void {
  c.onIdleTimeout();
}

function onDurationTimer(c: HcmConnection): void {
  c.onMaxDuration();
}

function onDrainTimer(c: HcmConnection): void {
  c.onDrainTimeout();
}

function connTimer(fn: (c: HcmConnection) => void, ms: number, c: HcmConnection): NodeJS.Timeout {
  const t = setTimeout(fn, Math.max(0, ms), c);
  t.unref();
  return t;
}

/** Connection-level state shared by the streams of one downstream connection. */
export class HcmConnection implements ServerConnectionCallbacks, HeaderPhaseOwner {
  readonly remoteIp: string;
  readonly localIp: string;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly localPort: number;
  /** The connection's TLS facts; undefined for plaintext. */
  readonly ssl: SslConnectionInfo | undefined;
  /** The SNI the client sent ('' = none), lower-cased. */
  readonly serverName: string;
  private readonly streams = new Set<ActiveStream>();
  private codec: ServerConnection | null = null;
  private closeWhenIdle = false;
  private readonly prematureResets = new PrematureResetTracker();
  /** The connection was closed for too many premature resets (the streams it resets are not judged again). */
  private closedForResets = false;
  private readonly openedAt = performance.now();
  /** idle_timeout: armed while the connection has no stream (and no request arriving); spent when null. */
  private idleTimer: NodeJS.Timeout | null = null;
  private durationTimer: NodeJS.Timeout | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private draining = false;
  /** HTTP/1: the request whose headers are arriving (it has no stream yet). */
  private readonly headerPhase: HeaderPhase;
  /** When the request whose stream comes next began (performance.now()), or -1: its timers count from there. */
  private nextStreamStart = -1;

  /** `acceptedMs` (performance.now()) is when the socket was accepted: idle_timeout and max_connection_duration count from it. */
  constructor(private readonly config: HcmConfig, private readonly socket: Socket, readonly tls: boolean,
    alpn?: string, acceptedMs = performance.now()) {
    this.remoteIp = plainIp(socket.remoteAddress);
    this.localIp = plainIp(socket.localAddress);
    this.remoteAddress = joinHostPort(this.remoteIp, socket.remotePort);
    this.localAddress = joinHostPort(this.localIp, socket.localPort);
    this.localPort = socket.localPort ?? 0;
    this.ssl = tls && socket instanceof TLSSocket ? sslConnectionInfo(socket) : undefined;
    this.serverName = socket instanceof TLSSocket && typeof socket.servername === 'string' ? socket.servername.toLowerCase() : '';
    const stats = config.stats;
    stats.downstream_cx_total.inc();
    stats.downstream_cx_active.inc();
    socket.setNoDelay(true);
    socket.once('close', () => this.onClose());
    this.headerPhase = new HeaderPhase(config, this);
    const age = performance.now() - acceptedMs;
    // As Envoy: the idle timer runs from the start, before any byte (an AUTO codec is chosen by the first bytes).
    if (config.idleTimeoutMs > 0) this.idleTimer = connTimer(onIdleTimer, config.idleTimeoutMs - age, this);
    if (config.maxConnectionDurationMs > 0) {
      this.durationTimer = connTimer(onDurationTimer, config.maxConnectionDurationMs - age, this);
    }
    createServerConnection(socket, config.codecType, this, {
      tls, maxRequestHeadersKb: config.maxRequestHeadersKb, delayedCloseTimeoutMs: config.delayedCloseTimeoutMs,
      acceptHttp10: config.acceptHttp10,
      maxRequestHeadersCount: config.maxRequestHeadersCount, http2HeaderOverflow: config.http2HeaderOverflow,
      http2MaxConcurrentStreams: config.http2MaxConcurrentStreams,
    }, alpn, (codec) => this.onCodec(codec));
  }

  private onCodec(codec: ServerConnection): void {
    this.codec = codec;
    const stats = this.config.stats;
    if (codec.protocol === 'HTTP/2') {
      stats.downstream_cx_http2_total.inc();
      stats.downstream_cx_http2_active.inc();
    } else {
      stats.downstream_cx_http1_total.inc();
      stats.downstream_cx_http1_active.inc();
    }
  }

  newStream(encoder: ResponseEncoder): ActiveStream {
    const started = this.nextStreamStart >= 0 ? this.nextStreamStart : performance.now();
    this.nextStreamStart = -1;
    const s = new ActiveStream(this.config, this, encoder, started);
    this.streams.add(s);
    return s;
  }

  onProtocolError(): void {
    this.config.stats.downstream_cx_protocol_error.inc();
  }

  onRequestBegin(): void {
    this.headerPhase.begin();
  }

  onRequestHeadersComplete(): void {
    this.nextStreamStart = this.headerPhase.complete();
  }

  hasStreams(): boolean {
    return this.streams.size > 0;
  }

  /** A timeout fired while a request's headers were arriving: it gets its stream now, to be answered. */
  onHeaderPhaseTimeout(kind: StreamTimeout, startedMs: number): void {
    const encoder = this.codec?.encoderForPartialRequest() ?? null;
    if (encoder === null) {
      this.onIdle();
      return;
    }
    this.nextStreamStart = startedMs;
    this.newStream(encoder).timeOutBeforeHeaders(kind);
  }

  onStreamDestroyed(stream: ActiveStream): void {
    this.streams.delete(stream);
    if (this.prematureResets.onStreamClosed(stream.streamInfo) && !this.closedForResets) {
      // As Envoy's maybeDrainDueToPrematureResets: the connection is closed at once (HTTP/2: GOAWAY first).
      this.closedForResets = true;
      this.config.stats.downstream_rq_too_many_premature_resets.inc();
      this.codec?.close(true);
      return;
    }
    if (this.streams.size > 0) return;
    if (this.closeWhenIdle) this.codec?.shutdownGracefully();
    this.headerPhase.onStreamsDone();
    this.onIdle();
  }

  /** Restarts the idle timer if nothing is running on the connection. */
  private onIdle(): void {
    if (this.idleTimer !== null && this.streams.size === 0 && !this.headerPhase.active) this.idleTimer.refresh();
  }

  /** idle_timeout fired; it counts only if the connection is still idle. */
  onIdleTimeout(): void {
    if (this.streams.size > 0 || this.headerPhase.active || this.socket.destroyed) return;
    this.idleTimer = null;
    this.config.stats.downstream_cx_idle_timeout.inc();
    // HTTP/2 drains (GOAWAY, then close after drain_timeout); HTTP/1 and a connection without a codec close now.
    if (this.codec?.protocol === 'HTTP/2') this.startDrain();
    else if (this.codec !== null) this.codec.shutdownGracefully();
    else this.socket.destroy();
  }

  /** max_connection_duration fired: drain (streams in flight finish), or close a connection without a codec. */
  onMaxDuration(): void {
    this.durationTimer = null;
    this.config.stats.downstream_cx_max_duration_reached.inc();
    if (this.codec === null) this.socket.destroy();
    else this.startDrain();
  }

  /** Envoy's drain sequence: an HTTP/2 shutdown notice, then after drain_timeout the final GOAWAY. */
  private startDrain(): void {
    if (this.draining || this.codec === null) return;
    this.draining = true;
    if (this.codec.protocol !== 'HTTP/2' || this.config.drainTimeoutMs <= 0) {
      this.codec.shutdownGracefully();
      return;
    }
    this.codec.shutdownNotice();
    this.drainTimer = connTimer(onDrainTimer, this.config.drainTimeoutMs, this);
  }

  onDrainTimeout(): void {
    this.drainTimer = null;
    this.codec?.shutdownGracefully();
  }

  /** Closes the connection once the current response is out (HTTP/1 request body left unread). */
  closeAfterResponse(): void {
    this.closeWhenIdle = true;
  }

  /** Drain: stop taking new streams, close when idle. */
  drain(): void {
    if (this.codec !== null) this.codec.shutdownGracefully();
    else this.socket.destroy();
  }

  private onClose(): void {
    for (const t of [this.idleTimer, this.durationTimer, this.drainTimer]) if (t !== null) clearTimeout(t);
    this.idleTimer = this.durationTimer = this.drainTimer = null;
    this.headerPhase.clear();
    const stats = this.config.stats;
    stats.downstream_cx_active.dec();
    if (this.codec?.protocol === 'HTTP/2') stats.downstream_cx_http2_active.dec();
    else if (this.codec !== null) stats.downstream_cx_http1_active.dec();
    stats.downstream_cx_destroy.inc();
    if (this.streams.size > 0) stats.downstream_cx_destroy_active_rq.inc();
    stats.downstream_cx_rx_bytes_total.inc(this.socket.bytesRead);
    stats.downstream_cx_tx_bytes_total.inc(this.socket.bytesWritten);
    stats.downstream_cx_length_ms.record(performance.now() - this.openedAt);
    for (const s of [...this.streams]) s.onResetStream('connection termination');
  }
}
