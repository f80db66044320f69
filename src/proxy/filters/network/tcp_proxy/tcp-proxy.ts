// One downstream connection under envoy.filters.network.tcp_proxy: picks a host, connects (up to
// max_connect_attempts), pipes bytes both ways with back-pressure and half-close, logs at the end.
// Istio's metadata exchange runs on either side (the chain's filter, the cluster's upstream filter).
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { StreamInfo } from '../../../http/stream-info.js';
import type { TcpConnectionTracker } from './observer.js';
import { DOWNSTREAM_PEER, UPSTREAM_PEER, peerFromMetadata } from '../../../istio/peer-info.js';
import type { PeerExchange } from '../../../istio/tcp-metadata-exchange.js';
import type { SslConnectionInfo } from '../../../tls/ssl-connection-info.js';
import { HeaderMap, type RequestHead } from '../../../http/headers.js';
import type { ClusterInfoImpl } from '../../../upstream/cluster-info.js';
import type { HostImpl } from '../../../upstream/host.js';
import { connectFailure } from '../../../upstream/pool/connect-error.js';
import { connectionInfo, openTransport, type TransportOwner } from '../../../upstream/pool/transport.js';
import type { LoadBalancerContext, Resource } from '../../../upstream/types.js';
import type { TcpProxyConfig } from './config.js';

/**
 * The load balancer contract takes a request head; a TCP connection has none, so every pick sees this
 * empty placeholder (hash policies, which would read the connection's addresses, are not wired yet).
 */
const NO_REQUEST: RequestHead = { method: '', path: '', authority: '', scheme: '', protocol: 'HTTP/1.1', headers: new HeaderMap() };
const LB_CONTEXT: LoadBalancerContext = { head: NO_REQUEST };
/** A TCP proxy offers no ALPN unless the cluster's TLS context sets one. */
const NO_ALPN: readonly string[] = [];

/** What the listener knows about the downstream connection. */
export interface DownstreamMeta {
  /** `ip:port` of the peer and of our side. */
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** SNI seen by tls_inspector or the TLS handshake ('' = none). */
  readonly serverName: string;
  /** The ALPN protocol the downstream TLS handshake negotiated. */
  readonly alpn?: string;
  /** The downstream TLS facts (undefined for plaintext). */
  readonly ssl?: SslConnectionInfo;
}

const EMPTY = Buffer.alloc(0);

function onConnectTimer(s: TcpProxySession): void {
  s.onConnectTimeout();
}

function onIdleTimer(s: TcpProxySession): void {
  s.onIdleTimer();
}

function onDurationTimer(s: TcpProxySession): void {
  s.onMaxDuration();
}

function ignoreError(): void {
  // Socket errors are followed by 'close', where the connection is accounted for.
}

/** A proxied TCP connection. */
export class TcpProxySession implements TransportOwner {
  private readonly info: StreamInfo;
  private readonly trackers: TcpConnectionTracker[];
  private upstream: Socket | null = null;
  private host: HostImpl | null = null;
  private clusterInfo: ClusterInfoImpl | null = null;
  private connections: Resource | null = null;
  private attempts = 0;
  private upstreamConnected = false;
  private upstreamCreatedMs = 0;
  private upstreamTimedOut = false;
  private upstreamClosedLocally = false;
  private upstreamError: NodeJS.ErrnoException | null = null;
  private downstreamClosed = false;
  /** No upstream socket is open any more, and none will be. */
  private upstreamDone = false;
  private finished = false;
  private downstreamPaused = false;
  private upstreamPaused = false;
  private connectTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private durationTimer: NodeJS.Timeout | null = null;
  private lastActivityMs = 0;
  /** The metadata exchange with the downstream peer (the chain's filter) and with the upstream (the cluster's). */
  private readonly downExchange: PeerExchange | null;
  private upExchange: PeerExchange | null = null;
  /** The trackers were told the connection is ready. */
  private ready = false;
  private readonly onDownstreamData = (c: Buffer): void => this.downstreamData(c);
  private readonly onUpstreamData = (c: Buffer): void => this.upstreamData(c);

  constructor(private readonly cfg: TcpProxyConfig, private readonly downstream: Socket, meta: DownstreamMeta) {
    cfg.stats.downstream_cx_total.inc();
    const info = new StreamInfo('');
    info.downstreamRemoteAddress = meta.remoteAddress;
    info.downstreamDirectRemoteAddress = meta.remoteAddress;
    info.downstreamLocalAddress = meta.localAddress;
    info.requestedServerName = meta.serverName;
    info.downstreamSsl = meta.ssl;
    this.info = info;
    this.downExchange = cfg.peerExchange?.start(meta.alpn, cfg.localNode, cfg.rootStats) ?? null;
    this.trackers = cfg.observers.map((o) => o.onOpen(info));
    // As Envoy's tcp_proxy: a FIN from one side is passed on, the other side may keep sending.
    downstream.allowHalfOpen = true;
    downstream.pause();
    downstream.on('error', ignoreError);
    downstream.once('close', () => this.onDownstreamClose());
    if (cfg.maxDownstreamConnectionDurationMs > 0) {
      this.durationTimer = setTimeout(onDurationTimer, cfg.maxDownstreamConnectionDurationMs, this);
    }
    this.connectUpstream();
  }

  // ---- connecting ----

  private connectUpstream(): void {
    const cfg = this.cfg;
    const info = this.info;
    const name = cfg.pickCluster();
    const cluster = cfg.clusterManager.get(name);
    if (cluster === undefined) {
      cfg.stats.downstream_cx_no_route.inc();
      info.setFlag('NC');
      this.giveUp();
      return;
    }
    const ci = cluster.info as ClusterInfoImpl;
    info.upstreamCluster = ci.name;
    if (this.attempts >= cfg.maxConnectAttempts) {
      info.setFlag('URX');
      ci.stats.upstream_cx_connect_attempts_exceeded.inc();
      this.giveUp();
      return;
    }
    const connections = ci.resourceManagers[0].connections;
    if (!connections.canCreate()) {
      ci.stats.upstream_cx_overflow.inc();
      info.setFlag('UO');
      this.giveUp();
      return;
    }
    const host = cluster.chooseHost(LB_CONTEXT) as HostImpl | null;
    if (host === null) {
      ci.stats.upstream_cx_none_healthy.inc();
      info.setFlag('UH');
      this.giveUp();
      return;
    }
    this.attempts++;
    info.attemptCount = this.attempts;
    info.upstreamHost = host.key;
    this.host = host;
    this.clusterInfo = ci;
    this.connections = connections;
    this.upstreamConnected = false;
    this.upstreamTimedOut = false;
    this.upstreamClosedLocally = false;
    this.upstreamError = null;
    this.upstreamCreatedMs = performance.now();
    ci.stats.upstream_cx_total.inc();
    ci.stats.upstream_cx_active.inc();
    host.stats.cx_total++;
    host.stats.cx_active++;
    connections.inc();
    const up = openTransport(host, ci, NO_ALPN, this);
    this.upstream = up;
    up.on('error', (e: NodeJS.ErrnoException) => {
      this.upstreamError ??= e;
    });
    up.once('close', () => this.onUpstreamClose(up));
    if (ci.connectTimeoutMs > 0) this.connectTimer = setTimeout(onConnectTimer, ci.connectTimeoutMs, this);
  }

  onConnectTimeout(): void {
    this.connectTimer = null;
    const up = this.upstream;
    if (up === null || this.upstreamConnected) return;
    this.clusterInfo!.stats.upstream_cx_connect_timeout.inc();
    this.upstreamTimedOut = true;
    this.upstreamClosedLocally = true;
    up.destroy();
  }

  /** TransportOwner: TCP connected, or TLS established and verified. */
  onTransportReady(): void {
    this.clearConnectTimer();
    const up = this.upstream;
    if (up === null || this.downstreamClosed) return;
    this.upstreamConnected = true;
    const ci = this.clusterInfo!;
    ci.stats.upstream_cx_connect_ms.record(performance.now() - this.upstreamCreatedMs);
    const conn = connectionInfo(up);
    this.info.upstreamLocalAddress = conn.localAddress;
    this.info.upstreamSsl = conn.ssl;
    const secure = up instanceof TLSSocket ? up : undefined;
    this.upExchange = ci.peerExchange?.start(secure?.alpnProtocol || undefined, this.cfg.localNode, this.cfg.rootStats) ?? null;
    this.maybeReady();
    up.allowHalfOpen = true;
    up.on('data', this.onUpstreamData);
    up.on('end', () => this.onUpstreamEnd());
    up.on('drain', () => this.onUpstreamDrain());
    const down = this.downstream;
    down.on('data', this.onDownstreamData);
    down.on('end', () => this.onDownstreamEnd(up));
    down.on('drain', () => this.onDownstreamDrain());
    down.resume();
    this.lastActivityMs = performance.now();
    if (this.cfg.idleTimeoutMs > 0) this.idleTimer = setTimeout(onIdleTimer, this.cfg.idleTimeoutMs, this);
  }

  // ---- data, both ways ----

  private downstreamData(raw: Buffer): void {
    const n = raw.length;
    this.cfg.stats.downstream_cx_rx_bytes_total.inc(n);
    this.info.bytesReceived += n;
    this.lastActivityMs = performance.now();
    const chunk = this.fromPeer(this.downExchange, raw, DOWNSTREAM_PEER, true);
    if (chunk === null) return;
    this.sendOwnFrame(this.upExchange, false);
    if (!this.upstream!.write(chunk) && !this.downstreamPaused) {
      this.downstreamPaused = true;
      this.downstream.pause();
      this.cfg.stats.downstream_flow_control_paused_reading_total.inc();
    }
  }

  private onUpstreamDrain(): void {
    if (!this.downstreamPaused) return;
    this.downstreamPaused = false;
    this.downstream.resume();
    this.cfg.stats.downstream_flow_control_resumed_reading_total.inc();
  }

  private upstreamData(raw: Buffer): void {
    this.lastActivityMs = performance.now();
    const chunk = this.fromPeer(this.upExchange, raw, UPSTREAM_PEER, false);
    if (chunk === null) return;
    this.sendOwnFrame(this.downExchange, true);
    this.countSent(chunk.length);
    if (!this.downstream.write(chunk) && !this.upstreamPaused) {
      this.upstreamPaused = true;
      this.upstream!.pause();
      this.clusterInfo!.stats.upstream_flow_control_paused_reading_total.inc();
    }
  }

  private onDownstreamDrain(): void {
    if (!this.upstreamPaused || this.upstream === null) return;
    this.upstreamPaused = false;
    this.upstream.resume();
    this.clusterInfo!.stats.upstream_flow_control_resumed_reading_total.inc();
  }

  private countSent(n: number): void {
    this.cfg.stats.downstream_cx_tx_bytes_total.inc(n);
    this.info.bytesSent += n;
  }

  // ---- Istio's metadata exchange ----

  /**
   * Bytes from one peer through its exchange: this side's frame goes out first (it precedes whatever
   * this side sends back), the peer's frame is taken off. null when there is nothing to pass on yet.
   */
  private fromPeer(x: PeerExchange | null, raw: Buffer, key: string, downstream: boolean): Buffer | null {
    if (x === null) return raw;
    this.sendOwnFrame(x, downstream);
    const was = x.settled;
    const rest = x.read(raw);
    if (!was && x.settled) this.onPeerSettled(x, key);
    return rest === null || rest.length === 0 ? null : rest;
  }

  /** Writes this proxy's frame to the downstream or upstream peer, once, before any other byte. */
  private sendOwnFrame(x: PeerExchange | null, downstream: boolean): void {
    const frame = x?.takeFrame() ?? null;
    if (frame === null) return;
    if (downstream) {
      this.countSent(frame.length);
      this.downstream.write(frame);
    } else {
      this.upstream?.write(frame);
    }
  }

  /** The peer's frame was read (or will not come): its metadata goes where istio.stats reads peers. */
  private onPeerSettled(x: PeerExchange, key: string): void {
    if (x.peer !== undefined) this.info.filterState.set(key, peerFromMetadata(x.peer.id, x.peer.metadata));
    this.maybeReady();
  }

  /** Ready for the trackers once the upstream is connected and both exchanges are over. */
  private maybeReady(): void {
    if (this.ready || !this.upstreamConnected) return;
    if (this.downExchange !== null && !this.downExchange.settled) return;
    if (this.upExchange !== null && !this.upExchange.settled) return;
    this.ready = true;
    for (const t of this.trackers) t.onReady();
  }

  /** The peer half-closed: a partial frame it left is passed on as data, then the FIN. */
  private endThrough(x: PeerExchange | null, key: string): Buffer {
    if (x === null || x.settled) return EMPTY;
    const rest = x.end();
    this.onPeerSettled(x, key);
    return rest;
  }

  private onUpstreamEnd(): void {
    const rest = this.endThrough(this.upExchange, UPSTREAM_PEER);
    if (rest.length > 0) {
      this.sendOwnFrame(this.downExchange, true);
      this.countSent(rest.length);
      this.downstream.write(rest);
    }
    this.downstream.end();
  }

  private onDownstreamEnd(up: Socket): void {
    const rest = this.endThrough(this.downExchange, DOWNSTREAM_PEER);
    if (rest.length > 0) {
      this.sendOwnFrame(this.upExchange, false);
      up.write(rest);
    }
    up.end();
  }

  // ---- timers ----

  onIdleTimer(): void {
    this.idleTimer = null;
    const timeout = this.cfg.idleTimeoutMs;
    const idle = performance.now() - this.lastActivityMs;
    if (idle + 1 < timeout) {
      // Activity since the timer was set: wait out the rest (no timer churn per chunk).
      this.idleTimer = setTimeout(onIdleTimer, timeout - idle, this);
      return;
    }
    this.cfg.stats.idle_timeout.inc();
    this.closeBoth();
  }

  onMaxDuration(): void {
    this.durationTimer = null;
    this.cfg.stats.max_downstream_connection_duration.inc();
    this.closeBoth();
  }

  // ---- closing ----

  /** No upstream can be had: close the downstream at once (Envoy's NoFlush). */
  private giveUp(): void {
    this.upstreamDone = true;
    if (!this.downstreamClosed) this.downstream.destroy();
    else this.finish();
  }

  private closeBoth(): void {
    if (this.upstream !== null) {
      this.upstreamClosedLocally = true;
      this.upstream.destroy();
    }
    this.downstream.destroy();
  }

  private onDownstreamClose(): void {
    this.downstreamClosed = true;
    const up = this.upstream;
    if (up === null || up.destroyed) {
      this.finish();
      return;
    }
    this.upstreamClosedLocally = true;
    if (this.upstreamConnected && up.writableLength > 0) {
      // Envoy's close with FlushWrite: what the client sent still reaches the upstream.
      const stats = this.cfg.stats;
      stats.upstream_flush_total.inc();
      stats.upstream_flush_active.inc();
      up.once('close', () => stats.upstream_flush_active.dec());
      up.end();
      up.once('finish', () => up.destroy());
    } else {
      up.destroy();
    }
  }

  private onUpstreamClose(up: Socket): void {
    if (up !== this.upstream) return;
    this.clearConnectTimer();
    const wasConnecting = !this.upstreamConnected;
    this.accountUpstreamClose(up, wasConnecting);
    this.upstream = null;
    if (wasConnecting && !this.downstreamClosed) {
      // Envoy's onUpstreamEvent while connecting: UF, then another attempt if any remain.
      const f = connectFailure(this.upstreamError, this.upstreamTimedOut, false);
      this.info.setFlag('UF');
      this.info.upstreamTransportFailureReason = f.transportFailure;
      this.connectUpstream();
      return;
    }
    this.upstreamDone = true;
    if (!this.downstreamClosed) {
      // Whatever the upstream sent still reaches the client, then the connection closes.
      const down = this.downstream;
      if (down.writableLength === 0) down.destroy();
      else {
        down.end();
        down.once('finish', () => down.destroy());
      }
      return;
    }
    this.finish();
  }

  private accountUpstreamClose(up: Socket, wasConnecting: boolean): void {
    const ci = this.clusterInfo!;
    const host = this.host!;
    const stats = ci.stats;
    stats.upstream_cx_destroy.inc();
    if (this.upstreamClosedLocally) stats.upstream_cx_destroy_local.inc();
    else stats.upstream_cx_destroy_remote.inc();
    if (wasConnecting && !this.downstreamClosed) {
      stats.upstream_cx_connect_fail.inc();
      host.stats.cx_connect_fail++;
    }
    if (up.bytesRead > 0) stats.upstream_cx_rx_bytes_total.inc(up.bytesRead);
    if (up.bytesWritten > 0) stats.upstream_cx_tx_bytes_total.inc(up.bytesWritten);
    stats.upstream_cx_length_ms.record(performance.now() - this.upstreamCreatedMs);
    stats.upstream_cx_active.dec();
    host.stats.cx_active--;
    this.connections!.dec();
  }

  /** Both sides are gone: stop timers, write the access log. */
  private finish(): void {
    if (this.finished || !this.downstreamClosed || (this.upstream !== null && !this.upstreamDone)) return;
    this.finished = true;
    this.clearConnectTimer();
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    if (this.durationTimer !== null) clearTimeout(this.durationTimer);
    this.idleTimer = null;
    this.durationTimer = null;
    const info = this.info;
    info.durationMs = info.elapsedMs();
    for (const log of this.cfg.accessLoggers) log.log(info);
    for (const t of this.trackers) t.onClose();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) {
      clearTimeout(this.connectTimer);
      this.connectTimer = null;
    }
  }

  /** Drain (listener drain): TCP proxy connections keep running until they end, as in Envoy. */
  drain(): void {
    // Nothing to announce on a raw byte stream.
  }
}
