// Upstream TLS (Envoy's UpstreamTlsContext): the client secure context of a cluster (rebuilt on SDS
// updates), and connect(): a TLS connection with SNI and ALPN whose peer is verified as Envoy does.
import { Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { UpstreamTlsContext } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import { loadCertificates } from './certificates.js';
import { chainErrorOf, compileValidation, createSecureContext, type CertValidation } from './cert-validation.js';
import { tlsFail } from './errors.js';
import { nodeTlsParams } from './tls-params.js';
import type { SslStats } from './tls-stats.js';
import { verifyFailureError } from './transport-failure.js';
import { SecretBacked } from './secret-backed.js';

/**
 * Envoy's upstream_context_secrets_not_ready: the connection fails at once. A TLS socket over an
 * unconnected socket, destroyed on the next tick, so the pool sees an ordinary connect failure.
 */
function secretsNotReady(stats: SslStats): TLSSocket {
  stats.counters.connection_error.inc();
  const socket = new tls.TLSSocket(new Socket());
  process.nextTick(() => socket.destroy(Object.assign(new Error('TLS secrets not ready'), { code: 'ECONNREFUSED' })));
  return socket;
}

/** Envoy never checks the host name itself; SAN matchers do that job when configured. */
function noHostnameCheck(): undefined {
  return undefined;
}

/** What a client context builds from its certificate and trust. */
interface ClientMaterial {
  readonly secureContext: tls.SecureContext;
  readonly validation: CertValidation | null;
}

/** A compiled UpstreamTlsContext; with SDS secrets it follows their updates. */
export class ClientTlsContext {
  /** The SNI sent ('' = none). */
  readonly sni: string;
  /** ALPN from the context ([] = the connection pool's fallback: h2 or http/1.1). */
  readonly alpn: readonly string[];
  private readonly material: SecretBacked<ClientMaterial>;

  /** `path` is the field path of the UpstreamTlsContext (the transport socket's typed_config). */
  constructor(proto: UpstreamTlsContext, path: readonly PathSeg[]) {
    const commonPath = [...path, 'common_tls_context'];
    const common = proto.commonTlsContext;
    this.sni = proto.sni;
    this.alpn = common?.alpnProtocols ?? [];
    const params = nodeTlsParams(common?.tlsParams, false, [...commonPath, 'tls_params']);
    this.material = new SecretBacked(common, commonPath, (c) => {
      const certs = loadCertificates(c, commonPath);
      if (certs.cert.length > 1) tlsFail([...commonPath, 'tls_certificates'], 'Multiple TLS certificates are not supported for client contexts');
      const validation = c === undefined ? null : compileValidation(c, commonPath);
      const options: tls.SecureContextOptions = { ...params };
      if (certs.cert.length > 0) {
        options.key = certs.key;
        options.cert = certs.cert;
      }
      return { secureContext: createSecureContext(options, validation, commonPath), validation };
    });
  }

  /**
   * Connects to `host:port` and calls `onReady` once the peer is verified; on a failed verification
   * the socket is destroyed with an error carrying Envoy's failure text. `alpnFallback` applies
   * when the context sets no ALPN.
   */
  connect(host: string, port: number, alpnFallback: readonly string[], stats: SslStats, onReady: () => void,
    localAddress?: string): TLSSocket {
    const alpn = this.alpn.length > 0 ? this.alpn : alpnFallback;
    const material = this.material.current;
    if (material === null) return secretsNotReady(stats);
    // localAddress goes on to the socket's connect (node's tls.connect passes net options through).
    const opts: tls.ConnectionOptions & { localAddress?: string } = {
      host, port, secureContext: material.secureContext, rejectUnauthorized: false,
      checkServerIdentity: noHostnameCheck,
    };
    if (localAddress !== undefined) opts.localAddress = localAddress;
    if (this.sni !== '') opts.servername = this.sni;
    if (alpn.length > 0) opts.ALPNProtocols = [...alpn];
    const socket = tls.connect(opts);
    socket.setNoDelay(true);
    let secure = false;
    socket.once('secureConnect', () => {
      secure = true;
      if (this.verifyPeer(socket, material.validation, stats)) onReady();
    });
    socket.on('error', (e: Error & { code?: string }) => {
      if (!secure && e.code?.startsWith('ERR_SSL_') === true) stats.counters.connection_error.inc();
    });
    return socket;
  }

  /** Envoy's checks after the handshake; false (and the socket destroyed) when the peer fails them. */
  private verifyPeer(socket: TLSSocket, validation: CertValidation | null, stats: SslStats): boolean {
    const peerPresent = socket.getPeerCertificate(false)?.raw !== undefined;
    if (validation !== null) {
      const r = validation.verify(socket, chainErrorOf(socket, false));
      if (r !== null) {
        stats.onVerifyFailure(r.failure);
        socket.destroy(verifyFailureError(r));
        return false;
      }
    }
    stats.onHandshake(socket, peerPresent);
    return true;
  }
}
