// Opens the transport to an upstream host: plain TCP, or TLS when the cluster's transport_socket
// is envoy.transport_sockets.tls (UpstreamTlsContext). Used by the HTTP pools and the TCP proxy.
import { connect, Socket } from 'node:net';
import type { HttpProtocol } from '../../http/headers.js';
import { log } from '../../log.js';
import type { ClientTlsContext } from '../../tls/client-context.js';
import { TlsConfigError } from '../../tls/errors.js';
import { clientTransport } from '../../tls/transport-socket.js';
import { SslStats } from '../../tls/tls-stats.js';
import type { ClusterInfoImpl } from '../cluster-info.js';

/** A cluster's upstream TLS, compiled once (null context = plain TCP). */
interface UpstreamTls {
  readonly ctx: ClientTlsContext | null;
  readonly stats: SslStats | null;
  /** Set when the context could not be built: every connection then fails with it. */
  readonly error: string | null;
}

const PLAIN: UpstreamTls = { ctx: null, stats: null, error: null };
const byCluster = new WeakMap<ClusterInfoImpl, UpstreamTls>();

/**
 * The cluster's TLS context, built on first use. Config errors should have been reported when the
 * cluster was built (buildUpstreamTls); if one slips through, its connections fail with the message.
 */
function upstreamTlsOf(info: ClusterInfoImpl): UpstreamTls {
  let t = byCluster.get(info);
  if (t !== undefined) return t;
  const ts = info.config.transportSocket;
  if (ts === undefined) {
    t = PLAIN;
  } else {
    try {
      const ctx = clientTransport(ts, ['transport_socket']);
      t = ctx === null ? PLAIN : { ctx, stats: new SslStats(info.stats.scope.scope('ssl')), error: null };
    } catch (e) {
      if (!(e instanceof TlsConfigError)) throw e;
      log('upstream', 'error', `cluster '${info.name}': ${e.message}`);
      t = { ctx: null, stats: null, error: e.message };
    }
  }
  byCluster.set(info, t);
  return t;
}

/** What the transport reports once it carries application bytes. */
export interface TransportOwner {
  /** TCP connected (plain) or handshake done and peer verified (TLS). */
  onTransportReady(): void;
}

const H2_ALPN: readonly string[] = ['h2'];
const H1_ALPN: readonly string[] = ['http/1.1'];

/** The ALPN an HTTP pool offers when the TLS context sets none (Envoy's application protocol fallback). */
export function alpnFallbackFor(protocol: HttpProtocol): readonly string[] {
  return protocol === 'HTTP/2' ? H2_ALPN : H1_ALPN;
}

/**
 * Connects to `address:port` with the cluster's transport. Errors arrive as the socket's 'error'
 * (a failed TLS verification carries Envoy's text in `tlsFailure`), then 'close'.
 */
export function openTransport(address: string, port: number, info: ClusterInfoImpl, alpnFallback: readonly string[],
  owner: TransportOwner): Socket {
  const t = upstreamTlsOf(info);
  if (t.ctx !== null) return t.ctx.connect(address, port, alpnFallback, t.stats!, () => owner.onTransportReady());
  if (t.error !== null) {
    const s = new Socket();
    const err = new Error(`TLS context: ${t.error}`);
    queueMicrotask(() => s.destroy(err));
    return s;
  }
  const socket = connect({ host: address, port, noDelay: true });
  socket.once('connect', () => owner.onTransportReady());
  return socket;
}
