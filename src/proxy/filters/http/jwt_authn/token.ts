// One JWT taken apart and checked as Envoy's jwt_verify does before the signature: the three
// sections, header alg/kid, payload claims, issuer, time window (with clock skew) and audiences.
import type { JwtStatus } from './status.js';

/** A parsed token. */
export interface ParsedJwt {
  readonly raw: string;
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly alg: string;
  readonly kid: string | undefined;
  readonly iss: string;
  readonly audiences: readonly string[];
}

/** The algorithms Envoy's jwt_verify implements. */
const ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512',
  'HS256', 'HS384', 'HS512', 'EdDSA']);

const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function decodeJson(part: string): { ok: true; value: unknown } | { ok: false; b64: boolean } {
  if (!B64URL.test(part)) return { ok: false, b64: true };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) };
  } catch {
    return { ok: false, b64: false };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a token; a status names what is wrong with it. */
export function parseJwt(raw: string): ParsedJwt | JwtStatus {
  const parts = raw.split('.');
  if (parts.length !== 3) return 'JwtBadFormat';
  const h = decodeJson(parts[0]);
  if (!h.ok) return h.b64 ? 'JwtHeaderParseErrorBadBase64' : 'JwtHeaderParseErrorBadJson';
  if (!isObject(h.value)) return 'JwtHeaderParseErrorBadJson';
  const alg = h.value.alg;
  if (typeof alg !== 'string') return 'JwtHeaderBadAlg';
  if (!ALGS.has(alg)) return 'JwtHeaderNotImplementedAlg';
  const kid = h.value.kid;
  if (kid !== undefined && typeof kid !== 'string') return 'JwtHeaderBadKid';
  const p = decodeJson(parts[1]);
  if (!p.ok) return p.b64 ? 'JwtPayloadParseErrorBadBase64' : 'JwtPayloadParseErrorBadJson';
  if (!isObject(p.value)) return 'JwtPayloadParseErrorBadJson';
  const iss = p.value.iss;
  if (iss !== undefined && typeof iss !== 'string') return 'JwtPayloadParseErrorIssNotString';
  if (p.value.sub !== undefined && typeof p.value.sub !== 'string') return 'JwtPayloadParseErrorSubNotString';
  if (!B64URL.test(parts[2])) return 'JwtSignatureParseErrorBadBase64';
  const aud = p.value.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  return { raw, header: h.value, payload: p.value, alg, kid, iss: iss ?? '', audiences };
}

/** Checks nbf/exp against now (seconds) with the provider's clock skew. */
export function checkTime(jwt: ParsedJwt, nowS: number, skewS: number): JwtStatus {
  const nbf = jwt.payload.nbf;
  const exp = jwt.payload.exp;
  if (typeof nbf === 'number' && nbf > nowS + skewS) return 'JwtNotYetValid';
  if (typeof exp === 'number' && exp > 0 && exp < nowS - skewS) return 'JwtExpired';
  return 'Ok';
}

/** Envoy's audience check: any configured audience present in the token (http(s):// and a trailing / ignored). */
export function audiencesAllowed(jwt: ParsedJwt, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const norm = (a: string): string => a.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const set = new Set(allowed.map(norm));
  return jwt.audiences.some((a) => set.has(norm(a)));
}
