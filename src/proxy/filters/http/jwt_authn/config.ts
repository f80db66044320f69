// JwtAuthentication compiled: providers (where tokens are, how they are checked, what is written
// after), requirements (rules by route match, requirement_map for per-route configs). Unsupported fields are refused by path.
import type { JwtAuthentication, JwtProvider, JwtRequirement } from '../../../../xds/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js';
import type { ClusterManager } from '../../../upstream/types.js';
import { RouteMatcher } from '../../../router/route-match.js';
import { durationMs } from '../../../util/duration.js';
import { parseJwks, RemoteJwks, type FetchStats, type KeySet } from './jwks.js';

/** A compiled provider. */
export interface Provider {
  readonly name: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly local: KeySet | null;
  readonly remote: RemoteJwks | null;
  readonly forward: boolean;
  readonly fromHeaders: readonly { readonly name: string; readonly prefix: string }[];
  readonly fromParams: readonly string[];
  readonly fromCookies: readonly string[];
  readonly forwardPayloadHeader: string;
  readonly padForwardPayloadHeader: boolean;
  readonly payloadInMetadata: string;
  readonly headerInMetadata: string;
  readonly spaceDelimitedClaims: readonly string[];
  readonly clockSkewS: number;
  readonly claimToHeaders: readonly { readonly header: string; readonly claim: string }[];
  readonly clearRouteCache: boolean;
}

/** A compiled requirement. */
export type Requirement =
  | { kind: 'provider'; provider: Provider; audiences: readonly string[] | null }
  | { kind: 'any'; list: readonly Requirement[] }
  | { kind: 'all'; list: readonly Requirement[] }
  | { kind: 'allowMissing' }
  | { kind: 'allowMissingOrFailed' };

/** The whole filter config. */
export interface JwtAuthnSettings {
  readonly providers: ReadonlyMap<string, Provider>;
  readonly rules: readonly { readonly match: RouteMatcher; readonly requirement: Requirement | null }[];
  readonly requirementMap: ReadonlyMap<string, Requirement>;
  readonly bypassCorsPreflight: boolean;
  readonly stripFailureResponse: boolean;
}

/** A config error with the field path. */
export class JwtAuthnConfigError extends Error {}

function fail(path: string, msg: string): never {
  throw new JwtAuthnConfigError(`${path}: ${msg}`);
}

function compileProvider(name: string, p: JwtProvider, path: string, cm: ClusterManager, stats: FetchStats): Provider {
  if (p.subjects !== undefined) fail(`${path}.subjects`, 'not supported by Strait');
  if (p.requireExpiration) fail(`${path}.require_expiration`, 'not supported by Strait');
  if (p.maxLifetime !== undefined) fail(`${path}.max_lifetime`, 'not supported by Strait');
  if (p.failedStatusInMetadata !== '') fail(`${path}.failed_status_in_metadata`, 'not supported by Strait');
  let local: KeySet | null = null;
  let remote: RemoteJwks | null = null;
  const src = p.jwksSourceSpecifier;
  if (src.case === 'localJwks') {
    const ds = src.value.specifier;
    if (ds.case !== 'inlineString' && ds.case !== 'inlineBytes') fail(`${path}.local_jwks`, 'only inline_string and inline_bytes are supported');
    const text = ds.case === 'inlineString' ? ds.value : Buffer.from(ds.value).toString('utf8');
    try {
      local = parseJwks(text);
    } catch (e) {
      fail(`${path}.local_jwks`, `Issuer '${p.issuer}' in jwt_authn config has invalid local jwks: ${(e as Error).message}`);
    }
  } else if (src.case === 'remoteJwks') {
    const r = src.value;
    if (r.asyncFetch !== undefined) fail(`${path}.remote_jwks.async_fetch`, 'not supported by Strait');
    if (r.retryPolicy !== undefined) fail(`${path}.remote_jwks.retry_policy`, 'not supported by Strait');
    const hu = r.httpUri;
    if (hu === undefined) fail(`${path}.remote_jwks.http_uri`, 'value is required');
    if (hu.httpUpstreamType.case !== 'cluster' || hu.httpUpstreamType.value === '') fail(`${path}.remote_jwks.http_uri.cluster`, 'value length must be at least 1 characters');
    let uri: URL;
    try {
      uri = new URL(hu.uri);
    } catch {
      fail(`${path}.remote_jwks.http_uri.uri`, `invalid URI '${hu.uri}'`);
    }
    remote = new RemoteJwks({
      uri, cluster: hu.httpUpstreamType.value,
      timeoutMs: durationMs(hu.timeout, 1000),
      cacheDurationMs: durationMs(r.cacheDuration, 600_000),
    }, cm, stats);
  } else {
    fail(path, 'one of remote_jwks or local_jwks is required');
  }
  return {
    name, issuer: p.issuer, audiences: p.audiences, local, remote, forward: p.forward,
    fromHeaders: p.fromHeaders.map((h) => ({ name: h.name.toLowerCase(), prefix: h.valuePrefix })),
    fromParams: p.fromParams, fromCookies: p.fromCookies,
    forwardPayloadHeader: p.forwardPayloadHeader.toLowerCase(), padForwardPayloadHeader: p.padForwardPayloadHeader,
    payloadInMetadata: p.payloadInMetadata, headerInMetadata: p.headerInMetadata,
    spaceDelimitedClaims: p.normalizePayloadInMetadata?.spaceDelimitedClaims ?? [],
    clockSkewS: p.clockSkewSeconds === 0 ? 60 : p.clockSkewSeconds,
    claimToHeaders: p.claimToHeaders.map((c) => ({ header: c.headerName.toLowerCase(), claim: c.claimName })),
    clearRouteCache: p.clearRouteCache,
  };
}

function compileRequirement(r: JwtRequirement, path: string, providers: ReadonlyMap<string, Provider>): Requirement {
  const t = r.requiresType;
  switch (t.case) {
    case 'providerName': {
      const p = providers.get(t.value);
      if (p === undefined) fail(`${path}.provider_name`, `Wrong requirement config: ${t.value} is not a valid provider`);
      return { kind: 'provider', provider: p, audiences: null };
    }
    case 'providerAndAudiences': {
      const p = providers.get(t.value.providerName);
      if (p === undefined) fail(`${path}.provider_and_audiences`, `Wrong requirement config: ${t.value.providerName} is not a valid provider`);
      return { kind: 'provider', provider: p, audiences: t.value.audiences };
    }
    case 'requiresAny':
      return { kind: 'any', list: t.value.requirements.map((x, i) => compileRequirement(x, `${path}.requires_any.requirements[${i}]`, providers)) };
    case 'requiresAll':
      return { kind: 'all', list: t.value.requirements.map((x, i) => compileRequirement(x, `${path}.requires_all.requirements[${i}]`, providers)) };
    case 'allowMissing': return { kind: 'allowMissing' };
    case 'allowMissingOrFailed': return { kind: 'allowMissingOrFailed' };
    default: fail(path, 'a requires type is required');
  }
}

/** Compiles the filter config; throws a JwtAuthnConfigError naming the field. */
export function compileJwtAuthn(c: JwtAuthentication, path: string, cm: ClusterManager, stats: FetchStats): JwtAuthnSettings {
  if (c.filterStateRules !== undefined) fail(`${path}.filter_state_rules`, 'not supported by Strait');
  const providers = new Map<string, Provider>();
  for (const [name, p] of Object.entries(c.providers).sort(([a], [b]) => a.localeCompare(b))) {
    providers.set(name, compileProvider(name, p, `${path}.providers[${name}]`, cm, stats));
  }
  const rules = c.rules.map((r, i) => {
    const rp = `${path}.rules[${i}]`;
    const match = new RouteMatcher(r.match, `${rp}.match`);
    const t = r.requirementType;
    let requirement: Requirement | null = null;
    if (t.case === 'requires') requirement = compileRequirement(t.value, `${rp}.requires`, providers);
    else if (t.case === 'requirementName') {
      const req = c.requirementMap[t.value];
      if (req === undefined) fail(`${rp}.requirement_name`, `Wrong requirement_name: ${t.value}. It should be one of [requirement_map]`);
      requirement = compileRequirement(req, `${path}.requirement_map[${t.value}]`, providers);
    }
    return { match, requirement };
  });
  const requirementMap = new Map<string, Requirement>();
  for (const [name, r] of Object.entries(c.requirementMap)) {
    requirementMap.set(name, compileRequirement(r, `${path}.requirement_map[${name}]`, providers));
  }
  return { providers, rules, requirementMap, bypassCorsPreflight: c.bypassCorsPreflight, stripFailureResponse: c.stripFailureResponse };
}
