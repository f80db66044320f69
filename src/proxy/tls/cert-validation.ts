// Peer certificate validation as Envoy's default validator: chain against trusted_ca (node's
// verify result), then SAN matchers, then certificate hash / SPKI pins; failures name the stat.
import { createHash, X509Certificate } from 'node:crypto';
import tls, { type TLSSocket } from 'node:tls';
import type { CertificateValidationContext } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { CertificateValidationContext_TrustChainVerification } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import type { CommonTlsContext } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import { readDataSourceBytes } from './data-source.js';
import { tlsFail } from './errors.js';
import { checkedOnce, digestOf, sharedClientContext } from './shared-material.js';
import { compileSanMatchers, parseSubjectAltNames, type SanMatcher } from './san-match.js';

/** Which `ssl.*` counter a failed verification increments. */
export type VerifyFailure = 'fail_verify_no_cert' | 'fail_verify_error' | 'fail_verify_san' | 'fail_verify_cert_hash';

/** A failed verification: the stat and Envoy's detail text. */
export interface VerifyResult {
  readonly failure: VerifyFailure;
  readonly detail: string;
}

/** Node reports these when a certificate is outside its validity period (allow_expired_certificate). */
const EXPIRY_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** A compiled CertificateValidationContext. */
export class CertValidation {
  constructor(
    /** PEM CAs for node's chain check; null = no chain verification. */
    readonly ca: Buffer | readonly string[] | null,
    /** Certificate revocation list (PEM), if configured. */
    readonly crl: Buffer | null,
    private readonly sans: readonly SanMatcher[],
    private readonly certHashes: ReadonlySet<string>,
    private readonly spkiHashes: ReadonlySet<string>,
    private readonly allowExpired: boolean,
    private readonly acceptUntrusted: boolean,
  ) {}

  /** Checks the peer after the handshake; `chainError` is node's verify error code (null when the chain is good). */
  verify(socket: TLSSocket, chainError: string | null): VerifyResult | null {
    const peer = socket.getPeerCertificate(false);
    if (peer === null || peer.raw === undefined) return { failure: 'fail_verify_no_cert', detail: 'no peer certificate' };
    if (this.ca !== null && chainError !== null && !this.acceptUntrusted
      && !(this.allowExpired && EXPIRY_ERRORS.has(chainError))) {
      return { failure: 'fail_verify_error', detail: `verify cert failed: ${chainError}` };
    }
    if (this.sans.length > 0) {
      const sans = parseSubjectAltNames(peer.subjectaltname);
      if (!this.sans.some((m) => m.matches(sans))) return { failure: 'fail_verify_san', detail: 'verify cert failed: verify SAN list' };
    }
    if (this.certHashes.size > 0 || this.spkiHashes.size > 0) {
      const hash = (peer.fingerprint256 ?? '').replace(/:/g, '').toLowerCase();
      let ok = this.certHashes.has(hash);
      if (!ok && this.spkiHashes.size > 0) {
        const spki = new X509Certificate(peer.raw).publicKey.export({ type: 'spki', format: 'der' });
        ok = this.spkiHashes.has(createHash('sha256').update(spki).digest('base64'));
      }
      if (!ok) return { failure: 'fail_verify_cert_hash', detail: 'verify cert failed: cert hash and spki' };
    }
    return null;
  }
}

/** Node's chain verdict for a socket after its handshake: an error code, or null when trusted. */
export function chainErrorOf(socket: TLSSocket, isServer: boolean): string | null {
  if (!isServer) return socket.authorized ? null : (socket.authorizationError as unknown as string | null) ?? 'UNKNOWN';
  // A server-side TLSSocket made without a tls.Server never runs node's own check; ask the handle as node does.
  const handle = (socket as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null } })._handle;
  const err = handle?.verifyError?.() ?? null;
  return err === null ? null : err.code ?? err.message;
}

function hexHash(h: string, path: readonly PathSeg[]): string {
  const v = h.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(v)) tlsFail(path, `Invalid hex-encoded SHA-256 ${h}`);
  return v;
}

function spkiHash(h: string, path: readonly PathSeg[]): string {
  if (Buffer.from(h, 'base64').length !== 32) tlsFail(path, `Invalid base64-encoded SHA-256 ${h}`);
  return h;
}

/** The validation context of a CommonTlsContext (inline or combined default), or undefined. */
function validationContextOf(c: CommonTlsContext, path: readonly PathSeg[]): [CertificateValidationContext, PathSeg[]] | undefined {
  const vc = c.validationContextType;
  switch (vc.case) {
    case undefined:
      return undefined;
    case 'validationContext':
      return [vc.value, [...path, 'validation_context']];
    case 'combinedValidationContext': {
      // An SDS validation context was merged into a plain validation_context before this (sds-common.ts).
      const at = [...path, 'combined_validation_context'];
      if (vc.value.defaultValidationContext === undefined) return undefined;
      return [vc.value.defaultValidationContext, [...at, 'default_validation_context']];
    }
    default:
      return tlsFail(path, 'certificate provider validation contexts are not supported by Strait');
  }
}

/** Why OpenSSL refuses `ca` as trusted CA certificates, or null. */
function caFailure(ca: Buffer): string | null {
  try {
    tls.createSecureContext({ ca });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Compiles the validation context of `c` (path: the CommonTlsContext's field path); null when none. */
export function compileValidation(c: CommonTlsContext, path: readonly PathSeg[]): CertValidation | null {
  const found = validationContextOf(c, path);
  if (found === undefined) return null;
  const [v, at] = found;
  if (v.customValidatorConfig !== undefined) tlsFail([...at, 'custom_validator_config'], 'custom certificate validators are not supported by Strait');
  if (v.caCertificateProviderInstance !== undefined) {
    tlsFail([...at, 'ca_certificate_provider_instance'], 'certificate provider instances are not supported by Strait');
  }
  let ca: Buffer | readonly string[] | null = null;
  if (v.trustedCa !== undefined) ca = readDataSourceBytes(v.trustedCa, [...at, 'trusted_ca']);
  else if (v.systemRootCerts !== undefined) ca = tls.rootCertificates;
  if (ca instanceof Buffer) {
    const bundle = ca;
    const failure = checkedOnce(digestOf('ca', bundle), () => caFailure(bundle));
    if (failure !== null) {
      tlsFail([...at, 'trusted_ca'], `Failed to load trusted CA certificates from ${v.trustedCa?.specifier.case === 'filename'
        ? v.trustedCa.specifier.value : '<inline>'}: ${failure}`);
    }
  }
  const sans = compileSanMatchers(v.matchTypedSubjectAltNames, v.matchSubjectAltNames, at);
  if (sans.length > 0 && ca === null) {
    tlsFail(at, 'SAN-based verification of peer certificates without trusted CA is insecure and not allowed');
  }
  const certHashes = new Set(v.verifyCertificateHash.map((h, i) => hexHash(h, [...at, 'verify_certificate_hash', i])));
  const spkiHashes = new Set(v.verifyCertificateSpki.map((h, i) => spkiHash(h, [...at, 'verify_certificate_spki', i])));
  const crl = v.crl !== undefined ? readDataSourceBytes(v.crl, [...at, 'crl']) : null;
  return new CertValidation(ca, crl, sans, certHashes, spkiHashes, v.allowExpiredCertificate,
    v.trustChainVerification === CertificateValidationContext_TrustChainVerification.ACCEPT_UNTRUSTED);
}

/**
 * node's secure context from `options` plus the validation context's CA and CRL; a context node
 * refuses (bad key, mismatched certificate) is a config error at `commonPath`. A client context is
 * shared with every other one made from equal options (shared-material.ts).
 */
export function createSecureContext(options: tls.SecureContextOptions, validation: CertValidation | null,
  commonPath: readonly PathSeg[], side: 'client' | 'server'): tls.SecureContext {
  if (validation?.ca) options.ca = validation.ca as string[] | Buffer;
  if (validation?.crl) options.crl = validation.crl;
  try {
    return side === 'client' ? sharedClientContext(options) : tls.createSecureContext(options);
  } catch (e) {
    return tlsFail(commonPath, `Failed to create the TLS context: ${(e as Error).message}`);
  }
}
