// Evaluates a requirement tree for one request as Envoy's jwt_authn verifiers do: tokens are taken
// from each provider's locations, checked and verified; on success the provider's outputs are applied.
import type { RequestHead } from '../../../http/headers.js';
import { cookieValue } from '../../../router/hash-policy.js';
import { queryParameterValue } from '../../../router/hash-policy.js';
import type { Provider, Requirement } from './config.js';
import { audiencesAllowed, checkTime, parseJwt, type ParsedJwt } from './token.js';
import { verifySignature } from './jwks.js';
import type { JwtStatus } from './status.js';

/** One token found in a request, and how to remove it (forward: false). */
interface Extracted {
  readonly token: string;
  readonly remove: (() => void) | null;
}

/** Where the verified payloads go (Envoy's dynamic metadata under envoy.filters.http.jwt_authn). */
export type MetadataSink = (key: string, value: unknown) => void;

const DEFAULT_HEADERS = [{ name: 'authorization', prefix: 'Bearer ' }];
const DEFAULT_PARAMS = ['access_token'];

function extract(p: Provider, head: RequestHead): Extracted | null {
  const useDefault = p.fromHeaders.length === 0 && p.fromParams.length === 0 && p.fromCookies.length === 0;
  for (const h of useDefault ? DEFAULT_HEADERS : p.fromHeaders) {
    const v = head.headers.get(h.name);
    if (v === undefined) continue;
    if (h.prefix !== '' && !v.startsWith(h.prefix)) continue;
    const token = v.slice(h.prefix.length).trim();
    if (token !== '') return { token, remove: () => head.headers.remove(h.name) };
  }
  for (const name of useDefault ? DEFAULT_PARAMS : p.fromParams) {
    const v = queryParameterValue(head.path, name);
    if (v !== undefined && v !== '') return { token: v, remove: null };
  }
  for (const name of p.fromCookies) {
    const v = cookieValue(head.headers, name);
    if (v !== '') return { token: v, remove: null };
  }
  return null;
}

function normalized(p: Provider, payload: Record<string, unknown>): Record<string, unknown> {
  if (p.spaceDelimitedClaims.length === 0) return payload;
  const out = { ...payload };
  for (const c of p.spaceDelimitedClaims) {
    const v = out[c];
    if (typeof v === 'string') out[c] = v.split(' ').filter((s) => s !== '');
  }
  return out;
}

function claimHeaderValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Checks and verifies one token against one provider. */
async function verifyToken(p: Provider, jwt: ParsedJwt, audiences: readonly string[] | null, nowS: number): Promise<JwtStatus> {
  if (p.issuer !== '' && jwt.iss !== p.issuer) return 'JwtUnknownIssuer';
  const t = checkTime(jwt, nowS, p.clockSkewS);
  if (t !== 'Ok') return t;
  if (!audiencesAllowed(jwt, audiences ?? p.audiences)) return 'JwtAudienceNotAllowed';
  const set = p.local ?? await p.remote!.keySet();
  if (set === null) return 'JwksFetchFail';
  return verifySignature(jwt, set);
}

/** The per-request evaluation. */
export class RequestVerifier {
  /** Called when a provider verified a token and changed the request (clear_route_cache). */
  routeChanged = false;

  constructor(private readonly head: RequestHead, private readonly sink: MetadataSink,
    private readonly providers: ReadonlyMap<string, Provider>, private readonly nowS: number) {}

  private async provider(p: Provider, audiences: readonly string[] | null): Promise<JwtStatus> {
    const ex = extract(p, this.head);
    if (ex === null) return 'JwtMissed';
    const jwt = parseJwt(ex.token);
    if (typeof jwt === 'string') return jwt;
    const status = await verifyToken(p, jwt, audiences, this.nowS);
    if (status === 'Ok') this.applyOutputs(p, jwt, ex);
    return status;
  }

  private applyOutputs(p: Provider, jwt: ParsedJwt, ex: Extracted): void {
    if (p.payloadInMetadata !== '') this.sink(p.payloadInMetadata, normalized(p, jwt.payload));
    if (p.headerInMetadata !== '') this.sink(p.headerInMetadata, jwt.header);
    const headers = this.head.headers;
    if (p.forwardPayloadHeader !== '') {
      const part = jwt.raw.split('.')[1];
      headers.set(p.forwardPayloadHeader, p.padForwardPayloadHeader ? part + '='.repeat((4 - (part.length % 4)) % 4) : part);
    }
    for (const c of p.claimToHeaders) {
      const v = claimHeaderValue(jwt.payload[c.claim]);
      if (v !== undefined) headers.set(c.header, v);
    }
    if (!p.forward && ex.remove !== null) ex.remove();
    if (p.clearRouteCache) this.routeChanged = true;
  }

  /** Tokens from any provider's locations, verified by the provider of their issuer (a standalone allow_missing). */
  private async anyProvider(): Promise<JwtStatus> {
    for (const p of this.providers.values()) {
      const ex = extract(p, this.head);
      if (ex === null) continue;
      const jwt = parseJwt(ex.token);
      if (typeof jwt === 'string') return jwt;
      const owner = [...this.providers.values()].find((x) => x.issuer === jwt.iss);
      if (owner === undefined) return 'JwtUnknownIssuer';
      const s = await verifyToken(owner, jwt, null, this.nowS);
      if (s !== 'Ok') return s;
      this.applyOutputs(owner, jwt, ex);
    }
    return 'Ok';
  }

  /** Evaluates a requirement: 'Ok' or the status that denies the request. */
  async evaluate(r: Requirement): Promise<JwtStatus> {
    switch (r.kind) {
      case 'provider': return this.provider(r.provider, r.audiences);
      case 'allowMissingOrFailed':
        await this.anyProvider();
        return 'Ok';
      case 'allowMissing': return this.anyProvider();
      case 'all': {
        for (const x of r.list) {
          const s = await this.evaluate(x);
          if (s !== 'Ok') return s;
        }
        return 'Ok';
      }
      case 'any': {
        let allowMissing = false;
        let firstError: JwtStatus | null = null;
        for (const x of r.list) {
          if (x.kind === 'allowMissingOrFailed') return 'Ok';
          if (x.kind === 'allowMissing') {
            allowMissing = true;
            continue;
          }
          const s = await this.evaluate(x);
          if (s === 'Ok') return 'Ok';
          if (s !== 'JwtMissed' && firstError === null) firstError = s;
        }
        if (firstError !== null) return firstError;
        return allowMissing ? 'Ok' : 'JwtMissed';
      }
    }
  }
}
