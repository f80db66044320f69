// One downstream connection under the HTTP connection manager: creates streams for the codec
// and keeps Envoy's `http.<prefix>.downstream_cx_*` stats.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { downstreamSsl, type DownstreamSsl } from '../../tls/downstream-ssl.js';
import { createServerConnection } from '../codec/index.js';
import type { ResponseEncoder, ServerConnection, ServerConnectionCallbacks } from '../codec/types.js';
import type { HcmConfig } from './config.js';
import { ActiveStream } from './active-stream.js';

/** Strips the IPv4-mapped prefix node gives dual-stack sockets. */
function plainIp(ip: string | undefined): string {
  if (ip === undefined) return '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function joinHostPort(ip: string, port: number | undefined): string {
  return ip.includes(':') ? `[${ip}]:${port ?? 0}` : `${ip}:${port ?? 0}`;
}

/** Connection-level state shared by the streams of one downstream connection. */
export class HcmConnection implements ServerConnectionCallbacks {
  readonly remoteIp: string;
  readonly localIp: string;
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** The connection's TLS facts; undefined for plaintext. */
  readonly ssl: DownstreamSsl | undefined;
  /** The SNI the client sent ('' = none), lower-cased. */
  readonly serverName: string;
  private readonly streams = new Set<ActiveStream>();
  private codec: ServerConnection | null = null;
  private closeWhenIdle = false;
  private readonly openedAt = performance.now();

  constructor(private readonly config: HcmConfig, private readonly socket: Socket, readonly tls: boolean,
    alpn?: string) {
    this.remoteIp = plainIp(socket.remoteAddress);
    this.localIp = plainIp(socket.localAddress);
    this.remoteAddress = joinHostPort(this.remoteIp, socket.remotePort);
    this.localAddress = joinHostPort(this.localIp, socket.localPort);
    this.ssl = tls && socket instanceof TLSSocket ? downstreamSsl(socket) : undefined;
    this.serverName = socket instanceof TLSSocket && typeof socket.servername === 'string' ? socket.servername.toLowerCase() : '';
    const stats = config.stats;
    stats.downstream_cx_total.inc();
    stats.downstream_cx_active.inc();
    socket.setNoDelay(true);
    socket.once('close', () => this.onClose());
    createServerConnection(socket, config.codecType, this, {
      tls, idleTimeoutMs: config.idleTimeoutMs, maxRequestHeadersKb: config.maxRequestHeadersKb,
      acceptHttp10: config.acceptHttp10,
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
    const s = new ActiveStream(this.config, this, encoder);
    this.streams.add(s);
    return s;
  }

  onProtocolError(): void {
    this.config.stats.downstream_cx_protocol_error.inc();
  }

  onStreamDestroyed(stream: ActiveStream): void {
    this.streams.delete(stream);
    if (this.closeWhenIdle && this.streams.size === 0) this.codec?.shutdownGracefully();
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
