// A provider's JSON Web Key Set: inline (local_jwks) or fetched from remote_jwks.http_uri through
// the proxy's cluster (one of its hosts, plain HTTP GET), cached for cache_duration and fetched again after.
import { getText } from '../../../util/http-get.js';
import type { JWK } from 'jose';
import type { ClusterManager } from '../../../upstream/types.js';
import { HeaderMap } from '../../../http/headers.js';
import type { ParsedJwt } from './token.js';
import type { JwtStatus } from './status.js';

/** A parsed key set. */
export interface KeySet {
  readonly keys: readonly JWK[];
}

// jose is imported on first use, started when a JWKS is parsed: a proxy with no jwt_authn
// filter never loads its 46 modules (docs/performance.md).
let jose: Promise<typeof import('jose')> | undefined;
function loadJose(): Promise<typeof import('jose')> {
  jose ??= import('jose');
  return jose;
}

/** Parses a JWKS document (or a single JWK, as Envoy accepts); throws with the reason. */
export function parseJwks(text: string): KeySet {
  loadJose().catch(() => undefined); // a failure shows when a token is verified
  const doc = JSON.parse(text) as unknown;
  if (typeof doc !== 'object' || doc === null) throw new Error('Jwks is not a JSON object');
  const keys = (doc as { keys?: unknown }).keys;
  if (keys === undefined && typeof (doc as JWK).kty === 'string') return { keys: [doc as JWK] };
  if (!Array.isArray(keys)) throw new Error('Jwks does not have [keys] field');
  if (keys.length === 0) throw new Error('Jwks does not have any keys');
  return { keys: keys.filter((k): k is JWK => typeof k === 'object' && k !== null && typeof (k as JWK).kty === 'string') };
}

/** Verifies the token's signature with the set: a key matching kid/alg must exist and verify it. */
export async function verifySignature(jwt: ParsedJwt, set: KeySet): Promise<JwtStatus> {
  const candidates = set.keys.filter((k) => (jwt.kid === undefined || k.kid === undefined || k.kid === jwt.kid)
    && (k.alg === undefined || k.alg === jwt.alg));
  if (candidates.length === 0) return 'JwksKidAlgMismatch';
  const { importJWK, compactVerify } = await loadJose();
  for (const jwk of candidates) {
    try {
      const key = await importJWK(jwk, jwt.alg);
      await compactVerify(jwt.raw, key);
      return 'Ok';
    } catch {
      // Try the next key.
    }
  }
  return 'JwtVerificationFail';
}

/** Where a remote set is fetched from. */
export interface RemoteJwksSettings {
  readonly uri: URL;
  readonly cluster: string;
  readonly timeoutMs: number;
  readonly cacheDurationMs: number;
}

/** Counts fetch outcomes (`jwks_fetch_success`, `jwks_fetch_failed`). */
export interface FetchStats {
  fetchSuccess(): void;
  fetchFailed(): void;
}

/** A remote key set with its cache: one fetch at a time, refetched once the cache expires. */
export class RemoteJwks {
  private cached: KeySet | null = null;
  private expiresAt = 0;
  private inflight: Promise<KeySet | null> | null = null;

  constructor(private readonly s: RemoteJwksSettings, private readonly cm: ClusterManager,
    private readonly stats: FetchStats, private readonly now: () => number = Date.now) {}

  /** The set, fetching it when absent or expired; null when the fetch failed. */
  keySet(): Promise<KeySet | null> {
    if (this.cached !== null && this.now() < this.expiresAt) return Promise.resolve(this.cached);
    this.inflight ??= this.fetch().finally(() => { this.inflight = null; });
    return this.inflight;
  }

  private async fetch(): Promise<KeySet | null> {
    const cluster = this.cm.get(this.s.cluster);
    const head = { method: 'GET', path: this.s.uri.pathname, authority: this.s.uri.host, scheme: 'http',
      protocol: 'HTTP/1.1' as const, headers: new HeaderMap() };
    const host = cluster?.chooseHost({ head }) ?? null;
    if (host === null) {
      this.stats.fetchFailed();
      return null;
    }
    try {
      const set = parseJwks(await getText(this.s.uri, this.s.timeoutMs, { host: host.address, port: host.port }));
      this.cached = set;
      this.expiresAt = this.now() + this.s.cacheDurationMs;
      this.stats.fetchSuccess();
      return set;
    } catch {
      this.stats.fetchFailed();
      return null;
    }
  }
}
