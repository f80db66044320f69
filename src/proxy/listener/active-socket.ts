// One accepted socket on its way to a connection: listener filters (with listener_filters_timeout),
// filter chain matching, the TLS handshake of the chosen chain, then the chain's terminal filter.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { TcpProxySession } from '../filters/network/tcp_proxy/tcp-proxy.js';
import { HcmConnection } from '../http/conn-manager/connection.js';
import { StreamInfo } from '../http/stream-info.js';
import { log } from '../log.js';
import type { RbacInput } from '../filters/rbac/input.js';
import { sslConnectionInfo } from '../tls/ssl-connection-info.js';
import type { ServerTlsOwner } from '../tls/server-context.js';
import { plainIp } from './cidr.js';
import type { FilterChainImpl } from './filter-chain.js';
import type { ConnectionMatchInfo } from './filter-chain-manager.js';
import { ListenerFilterResult, type ListenerFilter, type ListenerFilterCallbacks } from './listener-filter.js';
import type { ListenerStats } from './listener-stats.js';

/** A connection the listener can drain. */
export interface DownstreamConnection {
  drain(): void;
}

/** What an accepted socket needs from its listener. */
export interface SocketOwner {
  readonly stats: ListenerStats;
  readonly listenerFiltersTimeoutMs: number;
  readonly continueOnListenerFiltersTimeout: boolean;
  /** Listener filters to run on this connection, in order (made per connection, filter_disabled ones left out). */
  createListenerFilters(info: ConnectionMatchInfo): ListenerFilter[];
  findChain(info: ConnectionMatchInfo): FilterChainImpl | null;
  /** A connection was handed to its terminal filter; the listener tracks it until its socket closes. */
  onConnectionCreated(conn: DownstreamConnection, socket: Socket): void;
  /** Whether the listener has access logs (Envoy logs rejected connections, and every connection when it closes). */
  readonly hasAccessLog: boolean;
  logConnection(info: StreamInfo): void;
}

function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function onFiltersTimeout(s: ActiveSocket): void {
  s.onListenerFiltersTimeout();
}

function onHandshakeTimeout(s: ActiveSocket): void {
  s.onHandshakeTimeout();
}

function onHandshakeIdle(s: ActiveSocket): void {
  s.onHandshakeIdle();
}

/** An accepted socket before it becomes a connection. */
export class ActiveSocket implements ListenerFilterCallbacks, ServerTlsOwner {
  private readonly info: ConnectionMatchInfo;
  private filters: ListenerFilter[] = [];
  private filterIndex = 0;
  private timer: NodeJS.Timeout | null = null;
  private inPreConnection = true;
  private chain: FilterChainImpl | null = null;
  private readonly acceptedMs = performance.now();
  /** When the filter chain was chosen: Envoy creates the connection's filters (the HCM) then. */
  private chainChosenMs = 0;
  /** Why a network filter closed the connection (the network RBAC filter's refusal). */
  private terminationDetails: string | undefined;

  constructor(private readonly owner: SocketOwner, private readonly socket: Socket) {
    this.info = {
      localIp: plainIp(socket.localAddress), localPort: socket.localPort ?? 0,
      remoteIp: plainIp(socket.remoteAddress), remotePort: socket.remotePort ?? 0,
      directRemoteIp: plainIp(socket.remoteAddress),
      serverName: '', transportProtocol: '', alpn: [],
    };
    socket.on('error', () => { /* followed by 'close' */ });
    socket.once('close', () => (this.chain === null ? this.onEarlyClose() : this.onConnectionClose()));
    owner.stats.downstream_pre_cx_active.inc();
    this.filters = owner.createListenerFilters(this.info);
    if (this.filters.length > 0 && owner.listenerFiltersTimeoutMs > 0) {
      this.timer = setTimeout(onFiltersTimeout, owner.listenerFiltersTimeoutMs, this);
    }
    this.runFilters();
  }

  // ---- listener filters ----

  private runFilters(): void {
    if (this.filterIndex < this.filters.length) {
      this.filters[this.filterIndex].onAccept(this.socket, this.info, this);
      return;
    }
    this.clearTimer();
    this.endPreConnection();
    this.chooseChain();
  }

  onListenerFilterDone(result: ListenerFilterResult): void {
    if (!this.inPreConnection) return;
    if (result === ListenerFilterResult.Continue) {
      this.filterIndex++;
      this.runFilters();
      return;
    }
    if (result === ListenerFilterResult.RemoteClose) this.owner.stats.downstream_listener_filter_remote_close.inc();
    this.clearTimer();
    this.endPreConnection();
    this.socket.destroy();
  }

  onListenerFiltersTimeout(): void {
    this.timer = null;
    if (!this.inPreConnection) return;
    this.owner.stats.downstream_pre_cx_timeout.inc();
    this.filters[this.filterIndex]?.cancel();
    if (this.owner.continueOnListenerFiltersTimeout) {
      this.filterIndex = this.filters.length;
      this.runFilters();
      return;
    }
    this.endPreConnection();
    this.socket.destroy();
  }

  private endPreConnection(): void {
    if (!this.inPreConnection) return;
    this.inPreConnection = false;
    this.owner.stats.downstream_pre_cx_active.dec();
  }

  // ---- filter chain ----

  private chooseChain(): void {
    const info = this.info;
    // As Envoy: with no listener filter saying otherwise, the transport protocol is raw_buffer.
    if (info.transportProtocol === '') info.transportProtocol = 'raw_buffer';
    const chain = this.owner.findChain(info);
    if (chain === null) {
      this.owner.stats.no_filter_chain_match.inc();
      log('connection', 'debug', `closing connection from ${joinHostPort(info.remoteIp, info.remotePort)}: no matching filter chain found`);
      if (this.owner.hasAccessLog) {
        const si = this.streamInfo();
        si.setFlag('NR');
        si.responseCodeDetails = 'filter_chain_not_found';
        si.durationMs = performance.now() - this.acceptedMs;
        this.owner.logConnection(si);
      }
      // Envoy closes a socket whose first bytes its listener filters only peeked: with them unread, the kernel
      // answers with a reset (a plaintext request to a STRICT inbound: curl's "Connection reset by peer").
      if (this.socket.readableLength > 0) this.socket.resetAndDestroy();
      else this.socket.destroy();
      return;
    }
    this.chain = chain;
    this.chainChosenMs = performance.now();
    const stats = this.owner.stats;
    stats.downstream_cx_total.inc();
    stats.downstream_cx_active.inc();
    stats.worker_cx_total.inc();
    stats.worker_cx_active.inc();
    if (chain.tls === null) {
      this.startTerminal(this.socket, false, undefined);
      return;
    }
    // The connection manager's idle_timeout runs from the start, so it also bounds a stalled handshake.
    const idleMs = chain.terminal?.kind === 'hcm' ? chain.terminal.config.idleTimeoutMs : 0;
    const handshakeMs = chain.handshakeTimeoutMs;
    if (handshakeMs > 0 || idleMs > 0) {
      const idleFirst = idleMs > 0 && (handshakeMs <= 0 || idleMs < handshakeMs);
      this.timer = setTimeout(idleFirst ? onHandshakeIdle : onHandshakeTimeout, idleFirst ? idleMs : handshakeMs, this);
    }
    // tls_inspector's reading of the ClientHello, if it ran: the client's ALPN offer.
    chain.tls.accept(this.socket, stats.ssl!, this, info.transportProtocol === 'tls' ? info.alpn : undefined);
  }

  onHandshakeTimeout(): void {
    this.timer = null;
    this.owner.stats.downstream_cx_transport_socket_connect_timeout.inc();
    this.socket.destroy();
  }

  /** The connection manager's idle_timeout fired before the TLS handshake finished. */
  onHandshakeIdle(): void {
    this.timer = null;
    const terminal = this.chain?.terminal;
    if (terminal?.kind === 'hcm') terminal.config.stats.downstream_cx_idle_timeout.inc();
    this.socket.destroy();
  }

  onTlsReady(socket: TLSSocket): void {
    this.clearTimer();
    if (typeof socket.servername === 'string' && this.info.serverName === '') this.info.serverName = socket.servername.toLowerCase();
    this.startTerminal(socket, true, socket.alpnProtocol || undefined);
  }

  onTlsFailed(reason: string): void {
    this.clearTimer();
    log('connection', 'debug', `TLS handshake from ${joinHostPort(this.info.remoteIp, this.info.remotePort)} failed: ${reason}`);
  }

  private startTerminal(socket: Socket, tls: boolean, alpn: string | undefined): void {
    const terminal = this.chain!.terminal;
    if (terminal === null) {
      log('connection', 'debug', `closing connection from ${joinHostPort(this.info.remoteIp, this.info.remotePort)}: no filters`);
      socket.destroy();
      return;
    }
    if (this.refusedByRbac(socket, tls)) return;
    let conn: DownstreamConnection;
    if (terminal.kind === 'hcm') {
      conn = new HcmConnection(terminal.config, socket, tls, alpn, this.chainChosenMs);
    } else {
      const i = this.info;
      conn = new TcpProxySession(terminal.config, socket, {
        remoteAddress: joinHostPort(i.remoteIp, i.remotePort),
        localAddress: joinHostPort(i.localIp, i.localPort),
        serverName: i.serverName,
        alpn, ssl: tls && socket instanceof TLSSocket ? sslConnectionInfo(socket) : undefined,
      });
    }
    this.owner.onConnectionCreated(conn, socket);
  }

  /**
   * Runs the chain's network RBAC filters; a refusal closes the connection (Envoy's NoFlush close).
   * Envoy checks on the first bytes from the client; the facts checked are known at this point, so
   * Strait decides here, before the terminal filter opens anything upstream.
   */
  private refusedByRbac(socket: Socket, tls: boolean): boolean {
    const filters = this.chain!.rbac;
    if (filters.length === 0) return false;
    const i = this.info;
    const input: RbacInput = {
      localIp: i.localIp, localPort: i.localPort, sourceIp: i.remoteIp, directRemoteIp: i.directRemoteIp, remoteIp: i.remoteIp,
      serverName: i.serverName, ssl: tls && socket instanceof TLSSocket ? sslConnectionInfo(socket) : undefined, head: undefined,
      metadata: {},
    };
    for (const f of filters) {
      const denied = f.check(input);
      if (denied === null) continue;
      this.terminationDetails = denied;
      log('connection', 'debug', `closing connection from ${joinHostPort(i.remoteIp, i.remotePort)}: ${denied}`);
      socket.destroy();
      return true;
    }
    return false;
  }

  // ---- close ----

  private onEarlyClose(): void {
    this.clearTimer();
    if (this.inPreConnection) {
      this.filters[this.filterIndex]?.cancel();
      this.endPreConnection();
    }
  }

  private onConnectionClose(): void {
    this.clearTimer();
    const stats = this.owner.stats;
    stats.downstream_cx_active.dec();
    stats.worker_cx_active.dec();
    stats.downstream_cx_destroy.inc();
    const length = performance.now() - this.acceptedMs;
    stats.downstream_cx_length_ms.record(length);
    if (!this.owner.hasAccessLog) return;
    const si = this.streamInfo();
    si.durationMs = length;
    si.bytesReceived = this.socket.bytesRead;
    si.bytesSent = this.socket.bytesWritten;
    this.owner.logConnection(si);
  }

  /** The connection-level facts listener access logs print. */
  private streamInfo(): StreamInfo {
    const i = this.info;
    const si = new StreamInfo('');
    si.downstreamRemoteAddress = joinHostPort(i.remoteIp, i.remotePort);
    si.downstreamDirectRemoteAddress = si.downstreamRemoteAddress;
    si.downstreamLocalAddress = joinHostPort(i.localIp, i.localPort);
    si.requestedServerName = i.serverName;
    si.connectionTerminationDetails = this.terminationDetails;
    return si;
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
