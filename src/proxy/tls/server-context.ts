// Downstream TLS (Envoy's DownstreamTlsContext): the secure context built per filter chain (again
// on each SDS secret update), and the server handshake on an accepted socket with ALPN, client certificates and ssl.* stats.
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { toBinary } from '@bufbuild/protobuf';
import { CommonTlsContextSchema, type CommonTlsContext, type DownstreamTlsContext } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import { loadCertificates } from './certificates.js';
import { HelloState } from './client-hello.js';
import { ClientHelloPeek } from './client-hello-peek.js';
import { chainErrorOf, compileValidation, createSecureContext, type CertValidation } from './cert-validation.js';
import { tlsFail } from './errors.js';
import { nodeTlsParams } from './tls-params.js';
import { SecretBacked } from './secret-backed.js';
import type { SslStats } from './tls-stats.js';

/** Told how a server handshake ended. */
export interface ServerTlsOwner {
  /** The handshake and peer verification passed; `socket` carries plaintext from now on. */
  onTlsReady(socket: TLSSocket): void;
  /** The handshake or verification failed; the socket is being destroyed. */
  onTlsFailed(reason: string): void;
}

/** What a server context builds from its certificates and trust. */
interface ServerMaterial {
  readonly secureContext: tls.SecureContext;
  readonly validation: CertValidation | null;
}

/**
 * OpenSSL's session id context (at most 32 bytes), which a server that asks for client certificates
 * needs before it resumes any session: as Envoy's, a hash of what a session's verification depended
 * on (the certificates served, the trust and its checks), so a changed context resumes nothing old.
 */
function sessionIdContext(c: CommonTlsContext | undefined, certs: readonly Buffer[], requireClientCert: boolean): string {
  const h = createHash('sha256');
  for (const cert of certs) h.update(cert);
  if (c !== undefined) {
    // The context without its keys and certificates (hashed above): the validation context, SDS names, params.
    h.update(toBinary(CommonTlsContextSchema, { ...c, tlsCertificates: [] }));
  }
  h.update(requireClientCert ? '1' : '0');
  return h.digest('hex').slice(0, 32);
}

/** A compiled DownstreamTlsContext; with SDS secrets it follows their updates. */
export class ServerTlsContext {
  /** ALPN protocols offered, in preference order ([] = no ALPN). */
  readonly alpn: readonly string[];
  private readonly material: SecretBacked<ServerMaterial>;
  private readonly requireClientCert: boolean;
  private readonly requireSni: boolean;

  /** `path` is the field path of the DownstreamTlsContext (the transport socket's typed_config). */
  constructor(proto: DownstreamTlsContext, path: readonly PathSeg[]) {
    const commonPath = [...path, 'common_tls_context'];
    const common = proto.commonTlsContext;
    this.requireClientCert = proto.requireClientCertificate ?? false;
    this.requireSni = proto.requireSni ?? false;
    if (proto.sessionTicketKeysType.case === 'sessionTicketKeysSdsSecretConfig') {
      tlsFail([...path, 'session_ticket_keys_sds_secret_config'], 'SDS session ticket keys are not supported by Strait');
    }
    this.alpn = common?.alpnProtocols ?? [];
    const params = nodeTlsParams(common?.tlsParams, true, [...commonPath, 'tls_params']);
    this.material = new SecretBacked(common, commonPath, (c) => {
      const certs = loadCertificates(c, commonPath);
      if (certs.cert.length === 0) tlsFail(commonPath, 'No TLS certificates found for server context');
      const validation = c === undefined ? null : compileValidation(c, commonPath);
      // Envoy's server contexts prefer their own cipher order.
      const options: tls.SecureContextOptions = {
        key: certs.key, cert: certs.cert, ...params, honorCipherOrder: true,
        // Without it OpenSSL fails (internal_error) every resumption a client offers when client certificates are asked for.
        sessionIdContext: sessionIdContext(c, certs.cert, this.requireClientCert),
      };
      return { secureContext: createSecureContext(options, validation, commonPath, 'server'), validation };
    });
  }

  private get validation(): CertValidation | null {
    return this.material.current?.validation ?? null;
  }

  /** Whether peers are asked for a certificate (a validation context, or require_client_certificate). */
  get requestsClientCert(): boolean {
    return this.validation !== null || this.requireClientCert;
  }

  /**
   * Starts the server handshake on an accepted socket (bytes it has buffered are the ClientHello).
   * `offered` is the client's ALPN list when tls_inspector read it; unknown (undefined) it is read
   * here first, since the ALPN answer depends on it.
   */
  accept(socket: Socket, stats: SslStats, owner: ServerTlsOwner, offered?: readonly string[]): void {
    if (this.alpn.length === 0 || offered !== undefined) {
      this.handshake(socket, stats, owner, offered ?? []);
      return;
    }
    new ClientHelloPeek(socket, (r) => {
      if (r === null) {
        socket.destroy();
        owner.onTlsFailed('connection closed during the TLS handshake');
        return;
      }
      this.handshake(socket, stats, owner, r.state === HelloState.Done ? r.alpn : []);
    });
  }

  private handshake(socket: Socket, stats: SslStats, owner: ServerTlsOwner, offered: readonly string[]): void {
    const material = this.material.current;
    if (material === null) {
      // Envoy's downstream_context_secrets_not_ready: the connection is closed.
      stats.counters.connection_error.inc();
      socket.destroy();
      owner.onTlsFailed('TLS secrets not ready');
      return;
    }
    const opts: tls.TLSSocketOptions = {
      isServer: true,
      secureContext: material.secureContext,
      requestCert: this.requestsClientCert,
      // OpenSSL then fails a handshake without a client certificate (certificate_required), as BoringSSL does.
      rejectUnauthorized: this.requireClientCert,
    };
    // Envoy answers an ALPN offer it shares nothing with by selecting none (the handshake goes on);
    // OpenSSL would end it with no_application_protocol, so ALPN is only configured when it can agree.
    if (this.alpn.length > 0 && (offered.length === 0 || offered.some((p) => this.alpn.includes(p)))) {
      opts.ALPNProtocols = [...this.alpn];
    }
    const t = new tls.TLSSocket(socket, opts);
    new ServerHandshake(this, t, stats, owner);
  }

  /** Checks the peer after the handshake; returns the failure reason or null. */
  verifyPeer(t: TLSSocket, stats: SslStats): string | null {
    if (this.requireSni && !t.servername) {
      stats.counters.connection_error.inc();
      return 'no SNI in the ClientHello (require_sni)';
    }
    const peerPresent = t.getPeerCertificate(false)?.raw !== undefined;
    if (peerPresent && this.validation !== null) {
      const r = this.validation.verify(t, chainErrorOf(t, true));
      if (r !== null) {
        stats.onVerifyFailure(r.failure);
        return r.detail;
      }
    }
    stats.onHandshake(t, peerPresent);
    return null;
  }
}

/** One server handshake in progress. */
class ServerHandshake {
  private done = false;

  constructor(private readonly ctx: ServerTlsContext, private readonly t: TLSSocket, private readonly stats: SslStats,
    private readonly owner: ServerTlsOwner) {
    t.once('secure', () => this.onSecure());
    t.on('error', (e: Error & { code?: string }) => this.onError(e));
    t.once('close', () => this.fail('connection closed during the TLS handshake'));
  }

  private onSecure(): void {
    if (this.done) return;
    // What tls.Server does on 'secure': without it node:http2 waits for a 'secureConnect' that
    // server sockets never emit.
    (this.t as unknown as { secureConnecting: boolean }).secureConnecting = false;
    const failure = this.ctx.verifyPeer(this.t, this.stats);
    if (failure !== null) {
      this.fail(failure);
      return;
    }
    this.done = true;
    this.owner.onTlsReady(this.t);
  }

  private onError(e: Error & { code?: string }): void {
    if (this.done) return;
    if (e.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') this.stats.counters.fail_verify_no_cert.inc();
    this.stats.counters.connection_error.inc();
    this.fail(e.message);
  }

  private fail(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.t.destroy();
    this.owner.onTlsFailed(reason);
  }
}
