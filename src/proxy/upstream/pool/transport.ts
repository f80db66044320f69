// Opens the transport to an upstream host: plain TCP, or TLS (UpstreamTlsContext) as the host's
// transport socket says (transport_socket_matches, else the cluster's transport_socket), from the cluster's
// upstream_bind_config source address, with its TCP keepalive. Used by the HTTP pools and the TCP proxy.
import { connect, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { HttpProtocol } from '../../http/headers.js';
import { sslConnectionInfo } from '../../tls/ssl-connection-info.js';
import type { UpstreamConnectionInfo } from '../types.js';
import type { ClusterInfoImpl } from '../cluster-info.js';
import type { TransportMatchSubject } from '../transport-socket-matcher.js';

/** What the transport reports once it carries application bytes. */
export interface TransportOwner {
  /** TCP connected (plain) or handshake done and peer verified (TLS). */
  onTransportReady(): void;
}

/** The host a transport goes to: its address and the metadata its transport socket is matched on. */
export interface TransportTarget extends TransportMatchSubject {
  readonly address: string;
  readonly port: number;
}

const H2_ALPN: readonly string[] = ['h2'];
const H1_ALPN: readonly string[] = ['http/1.1'];

/** The ALPN an HTTP pool offers when the TLS context sets none (Envoy's application protocol fallback). */
export function alpnFallbackFor(protocol: HttpProtocol): readonly string[] {
  return protocol === 'HTTP/2' ? H2_ALPN : H1_ALPN;
}

/**
 * Connects to `host` with its transport. Errors arrive as the socket's 'error' (a failed TLS
 * verification carries Envoy's text in `tlsFailure`), then 'close'. TLS contexts were built when
 * the cluster was loaded, so a bad TLS config never gets this far.
 */
export function openTransport(host: TransportTarget, info: ClusterInfoImpl, alpnFallback: readonly string[],
  owner: TransportOwner): Socket {
  const t = info.transportSockets.forHost(host);
  const from = info.sourceAddress;
  let socket: Socket;
  if (t.tls !== null) {
    socket = t.tls.connect(host.address, host.port, alpnFallback, t.sslStats!, () => owner.onTransportReady(), from);
  } else {
    // A pipe host (port 0) is a Unix socket path.
    socket = host.port === 0 ? connect({ path: host.address })
      : connect(from === undefined ? { host: host.address, port: host.port, noDelay: true }
        : { host: host.address, port: host.port, noDelay: true, localAddress: from });
    socket.once('connect', () => owner.onTransportReady());
  }
  if (info.tcpKeepaliveMs !== undefined) socket.setKeepAlive(true, info.tcpKeepaliveMs);
  return socket;
}

/** A connected transport's local address (`ip:port`, IPv6 in brackets; '' for a pipe) and TLS facts. */
export function connectionInfo(socket: Socket): UpstreamConnectionInfo {
  const ip = socket.localAddress;
  const localAddress = ip === undefined ? '' : ip.includes(':') ? `[${ip}]:${socket.localPort}` : `${ip}:${socket.localPort}`;
  return { localAddress, ssl: socket instanceof TLSSocket ? sslConnectionInfo(socket) : undefined };
}
