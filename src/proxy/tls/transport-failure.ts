// Envoy's TLS transport failure text (`TLS_error:|268435581:SSL routines:OPENSSL_internal:
// CERTIFICATE_VERIFY_FAILED:TLS_error_end`) for a failed upstream handshake or verification.
import type { VerifyResult } from './cert-validation.js';

/** BoringSSL packs ERR_LIB_SSL (16) into the top byte of its error codes. */
const LIB_SSL = 16 * 2 ** 24;
/** BoringSSL's SSL_AD_REASON_OFFSET: a received alert N is reason 1000 + N. */
const ALERT_OFFSET = 1000;

/** BoringSSL reason codes of the reasons an upstream handshake commonly ends with. */
const REASON_CODES: Record<string, number> = {
  CERTIFICATE_VERIFY_FAILED: 125,
  WRONG_VERSION_NUMBER: 247,
  NO_SHARED_CIPHER: 184,
  UNSUPPORTED_PROTOCOL: 239,
  PACKET_LENGTH_TOO_LONG: 198,
  HTTP_REQUEST: 156,
  DECRYPTION_FAILED_OR_BAD_RECORD_MAC: 135,
};

/** Marks an Error as a TLS failure whose Envoy text is `tlsFailure`. */
export interface TlsFailureError extends Error {
  tlsFailure: string;
}

function envoyText(reason: string, detail = ''): string {
  const code = REASON_CODES[reason];
  const packed = code !== undefined ? String(LIB_SSL + code) : '';
  return `TLS_error:|${packed}:SSL routines:OPENSSL_internal:${reason}${detail !== '' ? `:${detail}` : ''}:TLS_error_end`;
}

/** The text for a peer certificate that failed verification (chain, SAN or pin). */
export function verifyFailureText(r: VerifyResult): string {
  // The chain failure keeps Envoy's classic form; the SAN and pin failures carry the newer detail.
  return envoyText('CERTIFICATE_VERIFY_FAILED', r.failure === 'fail_verify_error' ? '' : r.detail);
}

/** An Error carrying the verification failure, to destroy the socket with. */
export function verifyFailureError(r: VerifyResult): TlsFailureError {
  const e = new Error(`upstream certificate verification failed: ${r.detail}`) as TlsFailureError;
  e.tlsFailure = verifyFailureText(r);
  return e;
}

/**
 * The Envoy text for a node TLS error (`ERR_SSL_WRONG_VERSION_NUMBER`, `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA` ...),
 * or null when the error is not from TLS.
 */
export function tlsFailureText(err: Error & { code?: string; tlsFailure?: string }): string | null {
  if (typeof err.tlsFailure === 'string') return err.tlsFailure;
  const code = err.code ?? '';
  if (!code.startsWith('ERR_SSL_')) return null;
  // OpenSSL's TLSV13_ALERT_* names are BoringSSL's TLSV1_ALERT_*.
  const reason = code.slice('ERR_SSL_'.length).replace(/^TLSV13_ALERT_/, 'TLSV1_ALERT_');
  const alert = /SSL alert number (\d+)/.exec(err.message);
  if (alert !== null) {
    const n = LIB_SSL + ALERT_OFFSET + Number(alert[1]);
    return `TLS_error:|${n}:SSL routines:OPENSSL_internal:${reason}:TLS_error_end`;
  }
  return envoyText(reason);
}
