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
  /** Sessions of handshakes this material verified, newest first (Envoy's session keys). */
  readonly sessions: Buffer[];
}

/** A compiled UpstreamTlsContext; with SDS secrets it follows their updates. */
export class ClientTlsContext {
  /** The SNI sent ('' = none). */
  readonly sni: string;
  /** ALPN from the context ([] = the connection pool's fallback: h2 or http/1.1). */
  readonly alpn: readonly string[];
  /** max_session_keys: how many sessions are kept to resume (0 = no resumption). */
  private readonly maxSessionKeys: number;
  private readonly material: SecretBacked<ClientMaterial>;

  /** `path` is the field path of the UpstreamTlsContext (the transport socket's typed_config). */
  constructor(proto: UpstreamTlsContext, path: readonly PathSeg[]) {
    const commonPath = [...path, 'common_tls_context'];
    const common = proto.commonTlsContext;
    this.sni = proto.sni;
    this.alpn = common?.alpnProtocols ?? [];
    this.maxSessionKeys = proto.maxSessionKeys ?? 1;
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
      return { secureContext: createSecureContext(options, validation, commonPath, 'client'), validation, sessions: [] };
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
    // As Envoy's client contexts: offer the newest session kept, saving the server's and our signatures.
    if (this.maxSessionKeys > 0 && material.sessions.length > 0) opts.session = material.sessions[0];
    const socket = tls.connect(opts);
    socket.setNoDelay(true);
    let secure = false;
    let verified = false;
    let pending: Buffer | undefined;
    socket.once('secureConnect', () => {
      secure = true;
      verified = this.verifyPeer(socket, material.validation, stats);
      if (!verified) return;
      if (pending !== undefined) this.keepSession(material, pending);
      onReady();
    });
    // A session is kept only once its handshake passed our checks (TLS 1.2 tells it before 'secureConnect').
    if (this.maxSessionKeys > 0) {
      socket.on('session', (session: Buffer) => {
        if (verified) this.keepSession(material, session);
        else pending = session;
      });
    }
    socket.on('error', (e: Error & { code?: string }) => {
      if (!secure && e.code?.startsWith('ERR_SSL_') === true) stats.counters.connection_error.inc();
    });
    return socket;
  }

  private keepSession(material: ClientMaterial, session: Buffer): void {
    material.sessions.unshift(session);
    if (material.sessions.length > this.maxSessionKeys) material.sessions.length = this.maxSessionKeys;
  }

  /**
   * Envoy's checks after the handshake; false (and the socket destroyed) when the peer fails them. A resumed
   * session was verified by this material when it was made, and is not checked again (BoringSSL's way).
   */
  private verifyPeer(socket: TLSSocket, validation: CertValidation | null, stats: SslStats): boolean {
    if (socket.isSessionReused()) {
      stats.onHandshake(socket, true);
      return true;
    }
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
