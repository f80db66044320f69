// One upstream connection of a pool (Envoy's ActiveClient): connects with a timeout, runs the
// codec once connected, and keeps the connection counters and circuit-breaker count.
import type { Socket } from 'node:net';
import { createClientConnection } from '../../http/codec/index.js';
import type { ClientConnection, ClientConnectionCallbacks } from '../../http/codec/types.js';
import type { ClusterInfoImpl } from '../cluster-info.js';
import type { HostImpl } from '../host.js';
import type { Resource, UpstreamConnectionInfo } from '../types.js';
import { alpnFallbackFor, connectionInfo, openTransport, type TransportOwner } from './transport.js';

/** Where a connection is in its life. */
export const enum ClientState {
  Connecting,
  /** Connected; takes streams while it has capacity. */
  Connected,
  /** Takes no new streams (GOAWAY, max requests, pool drain); closes when its streams finish. */
  Draining,
  Closed,
}

/** What the connection reports to its pool. */
export interface ClientOwner {
  onClientConnected(c: ActiveClient): void;
  onClientStreamComplete(c: ActiveClient): void;
  onClientGoAway(c: ActiveClient): void;
  onClientClosed(c: ActiveClient, wasConnecting: boolean): void;
  /** max_connection_duration elapsed since the connection was established. */
  onClientMaxDuration(c: ActiveClient): void;
}

function onConnectTimeout(c: ActiveClient): void {
  c.onConnectTimeout();
}

function onMaxDuration(c: ActiveClient): void {
  c.onMaxDuration();
}

/** One pooled connection. */
export class ActiveClient implements ClientConnectionCallbacks, TransportOwner {
  state = ClientState.Connecting;
  codec: ClientConnection | null = null;
  readonly socket: Socket;
  /** Its local address and TLS facts, once connected. */
  connection: UpstreamConnectionInfo | null = null;
  /** Streams handed out by newStream but not yet opened on the codec. */
  reserved = 0;
  /** Streams this connection may still start (max_requests_per_connection). */
  remainingStreams: number;
  /** Whether the pool's ready stack holds this client. */
  inReady = false;
  /** Monotonic ms since the connection has had no stream; -1 while busy. */
  idleSinceMs = -1;
  timedOut = false;
  closedLocally = false;
  connectError: NodeJS.ErrnoException | null = null;
  /** A stream was still running when the socket closed (the codec may have ended it first). */
  private streamCutByClose = false;
  private connectTimer: NodeJS.Timeout | null;
  /** Runs from connect to max_connection_duration, when set. */
  private durationTimer: NodeJS.Timeout | null = null;
  private readonly createdMs = performance.now();

  constructor(private readonly owner: ClientOwner, readonly host: HostImpl, private readonly info: ClusterInfoImpl,
    private readonly connections: Resource, readonly concurrencyLimit: number) {
    const max = info.maxRequestsPerConnection;
    this.remainingStreams = max > 0 ? max : Infinity;
    const stats = info.stats;
    stats.upstream_cx_total.inc();
    stats.upstream_cx_active.inc();
    if (info.protocol === 'HTTP/2') stats.upstream_cx_http2_total.inc();
    else stats.upstream_cx_http1_total.inc();
    host.stats.cx_total++;
    host.stats.cx_active++;
    connections.inc();
    const socket = openTransport(host, info, alpnFallbackFor(info.protocol), this);
    this.socket = socket;
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.connectError ??= e;
    });
    socket.once('close', () => this.onTransportClosed());
    this.connectTimer = info.connectTimeoutMs > 0 ? setTimeout(onConnectTimeout, info.connectTimeoutMs, this) : null;
  }

  /** Streams that could start on this connection now. */
  get capacity(): number {
    const codec = this.codec;
    if (this.state !== ClientState.Connected || codec === null || !codec.canStream) return 0;
    return Math.min(this.remainingStreams, this.concurrencyLimit - codec.activeStreams - this.reserved);
  }

  /** Streams this connection contributes while connecting (Envoy's effective concurrent stream limit). */
  get connectingCapacity(): number {
    return Math.min(this.remainingStreams, this.concurrencyLimit);
  }

  /** No stream active or promised. */
  get idle(): boolean {
    return this.reserved === 0 && (this.codec === null || this.codec.activeStreams === 0);
  }

  onConnectTimeout(): void {
    this.connectTimer = null;
    if (this.state !== ClientState.Connecting) return;
    this.info.stats.upstream_cx_connect_timeout.inc();
    this.timedOut = true;
    this.close();
  }

  /** Connected: TCP, or the TLS handshake done and the peer verified (the connect timeout covers both). */
  onTransportReady(): void {
    this.clearConnectTimer();
    if (this.state !== ClientState.Connecting) return;
    this.info.stats.upstream_cx_connect_ms.record(performance.now() - this.createdMs);
    this.codec = createClientConnection(this.socket, this.info.protocol, this, this.info.http1EnableTrailers);
    this.connection = connectionInfo(this.socket);
    this.state = ClientState.Connected;
    const maxDuration = this.info.maxConnectionDurationMs;
    if (maxDuration > 0) this.durationTimer = setTimeout(onMaxDuration, maxDuration, this);
    this.owner.onClientConnected(this);
  }

  onMaxDuration(): void {
    this.durationTimer = null;
    if (this.state === ClientState.Connected) this.owner.onClientMaxDuration(this);
  }

  /** Closes now (Envoy's local close); counted at once so the pool never sees a half-closed client. */
  close(): void {
    if (this.state === ClientState.Closed) return;
    this.closedLocally = true;
    if (this.codec !== null) this.codec.close();
    this.socket.destroy();
    this.onTransportClosed();
  }

  // ---- ClientConnectionCallbacks (from the codec) ----
  onStreamComplete(): void {
    if (this.socket.destroyed) {
      // A stream cut short by the socket closing: onClose follows and counts the close.
      this.streamCutByClose = true;
      return;
    }
    if (this.state !== ClientState.Closed) this.owner.onClientStreamComplete(this);
  }

  onGoAway(): void {
    if (this.state === ClientState.Connected || this.state === ClientState.Draining) {
      this.info.stats.upstream_cx_close_notify.inc();
      this.owner.onClientGoAway(this);
    }
  }

  onClose(): void {
    this.onTransportClosed();
  }

  private onTransportClosed(): void {
    if (this.state === ClientState.Closed) return;
    const wasConnecting = this.state === ClientState.Connecting;
    this.state = ClientState.Closed;
    this.clearConnectTimer();
    if (this.durationTimer !== null) {
      clearTimeout(this.durationTimer);
      this.durationTimer = null;
    }
    const stats = this.info.stats;
    const active = this.streamCutByClose ? 1 : this.codec?.activeStreams ?? 0;
    stats.upstream_cx_destroy.inc();
    if (this.closedLocally) stats.upstream_cx_destroy_local.inc();
    else stats.upstream_cx_destroy_remote.inc();
    if (active > 0) {
      stats.upstream_cx_destroy_with_active_rq.inc();
      if (this.closedLocally) stats.upstream_cx_destroy_local_with_active_rq.inc();
      else stats.upstream_cx_destroy_remote_with_active_rq.inc();
    }
    if (wasConnecting) {
      stats.upstream_cx_connect_fail.inc();
      this.host.stats.cx_connect_fail++;
    } else if (this.codec !== null) {
      stats.upstream_rq_per_cx.record(this.codec.streamsStarted);
    }
    const socket = this.socket;
    if (socket.bytesRead > 0) stats.upstream_cx_rx_bytes_total.inc(socket.bytesRead);
    if (socket.bytesWritten > 0) stats.upstream_cx_tx_bytes_total.inc(socket.bytesWritten);
    stats.upstream_cx_length_ms.record(performance.now() - this.createdMs);
    stats.upstream_cx_active.dec();
    this.host.stats.cx_active--;
    this.connections.dec();
    this.owner.onClientClosed(this, wasConnecting);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) {
      clearTimeout(this.connectTimer);
      this.connectTimer = null;
    }
  }
}
