// Envoy's `ssl.*` stats of a TLS context (under `listener.<addr>.` downstream, `cluster.<name>.`
// upstream), declared as a table, plus the per-cipher and per-version counters of handshakes.
import type { TLSSocket } from 'node:tls';
import type { Counter, Scope } from '../stats/store.js';
import type { VerifyFailure } from './cert-validation.js';

/** Counters Envoy creates for every TLS context (source/common/tls/stats.h). */
const SSL_COUNTERS = [
  'connection_error', 'handshake', 'session_reused', 'no_certificate', 'fail_verify_no_cert', 'fail_verify_error',
  'fail_verify_san', 'fail_verify_cert_hash', 'ocsp_staple_failed', 'ocsp_staple_omitted', 'ocsp_staple_responses',
  'ocsp_staple_requests', 'was_key_usage_invalid',
] as const;

type SslCounterName = (typeof SSL_COUNTERS)[number];

/** The `ssl.*` counters of one scope. */
export class SslStats {
  readonly counters: Record<SslCounterName, Counter>;
  private readonly ciphers = new Map<string, Counter>();
  private readonly versions = new Map<string, Counter>();

  constructor(private readonly scope: Scope) {
    const c = {} as Record<SslCounterName, Counter>;
    for (const n of SSL_COUNTERS) c[n] = scope.counter(n);
    this.counters = c;
  }

  /** A completed handshake: `handshake`, `ciphers.<name>`, `versions.<name>`, `session_reused`, `no_certificate`. */
  onHandshake(socket: TLSSocket, peerCertPresent: boolean): void {
    const c = this.counters;
    c.handshake.inc();
    if (socket.isSessionReused()) c.session_reused.inc();
    if (!peerCertPresent) c.no_certificate.inc();
    // OpenSSL names (ECDHE-RSA-AES128-GCM-SHA256, TLS_AES_128_GCM_SHA256), as BoringSSL's SSL_CIPHER_get_name.
    const cipher = socket.getCipher()?.name;
    if (cipher) this.countIn(this.ciphers, 'ciphers', cipher);
    const version = socket.getProtocol();
    if (version) this.countIn(this.versions, 'versions', version);
  }

  /** A failed peer verification (its counter; the connection then closes). */
  onVerifyFailure(f: VerifyFailure): void {
    this.counters[f].inc();
  }

  private countIn(map: Map<string, Counter>, group: string, name: string): void {
    let counter = map.get(name);
    if (counter === undefined) {
      counter = this.scope.counter(`${group}.${name}`);
      map.set(name, counter);
    }
    counter.inc();
  }
}
