// istiod's JWT filter (pilot/pkg/security/authn policyApplier.JwtFilter): the jwtRules of a proxy's
// RequestAuthentications as one envoy.filters.http.jwt_authn filter with providers `origins-<i>`.
import { create, fromJson } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { JwtAuthenticationSchema } from '../../../xds/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js';
import { HttpFilterSchema, type HttpFilter } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { registry } from '../../../xds/registry.js';
import type { JwtRule } from '../../config/kinds/request-authentication.js';
import { durationMsOf } from '../../translate/route/durations.js';
import type { Json } from '../authz/matchers.js';
import type { RequestAuthentication } from './request-authentications.js';

export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
/** The metadata key the payload is written at (istiod's EnvoyJwtFilterPayload), read by RBAC. */
export const JWT_PAYLOAD_KEY = 'payload';
/** Claims always read as space-delimited lists (istiod's buildSpaceDelimitedClaims defaults). */
const DEFAULT_SPACE_DELIMITED = ['permission', 'scope'];

/**
 * What istiod inlines when it cannot get a jwksUri's keys (its fake JWKS): a well-formed RSA key whose
 * private half nobody has, so every token of that issuer fails verification (401) and none is let through.
 */
export const FAKE_JWKS = JSON.stringify({ keys: [{ kty: 'RSA', e: 'AQAB', kid: 'strait-fake-jwks',
  n: '7OkPWUHWv80huZ1wcD_w79DSw2x668rFfrD0ovMskROjaaSi3Uu2RrHlvN5o5qcx3FHs0kgQ8lK8qrR8b18s0EdSwJQJjQW60Oaiyadiry4rylpv2GUiKWqo0zCawzv7wVzcL7bLTUU9BuoNNR9LMfKQlBRGelP7Gwg7z8SkF26d8Xs5lh_RzeAPOfxCBGytRy28ircjpezWz1TbEdKN0IvaoIFec04x4pi9pUcf-ab_8u1k8uKosmnXCw37PB-JSRWh7LffmhYCv1oYxfvd2mNXR6cWZJfvBSsBJrVYIlQq0ACbwA8FaoyA8byL8POECRALsciuC5cR9MkoAE0FAw' }] });

/** The mesh cluster serving `host:port`, if any (istiod's model.LookupCluster). */
export type ClusterLookup = (host: string, port: number) => string | undefined;

const jwksUriOf = (r: JwtRule): string => r.jwksUri ?? r.jwks_uri ?? '';

/** istiod's default: the spec's defaults plus any extra, deduplicated and sorted. */
const spaceDelimited = (extra: readonly string[] | undefined): string[] => [...new Set([...(extra ?? []), ...DEFAULT_SPACE_DELIMITED])].sort();

/**
 * Where a provider's keys come from: the rule's inline `jwks`; for a `jwksUri`, remote_jwks through the
 * mesh cluster serving it when there is one (Envoy fetches the keys), else the fake JWKS: Strait's
 * pilot does not fetch keys itself, so it does what istiod does when its fetch fails.
 */
function jwksSource(r: JwtRule, timeout: string, lookup: ClusterLookup): Json {
  const uri = jwksUriOf(r);
  if (r.jwks !== undefined && r.jwks !== '') return { localJwks: { inlineString: r.jwks } };
  let url: URL | undefined;
  try { url = new URL(uri); } catch { url = undefined; }
  if (url !== undefined) {
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const cluster = lookup(url.hostname, port);
    if (cluster !== undefined) {
      return { remoteJwks: { httpUri: { uri, cluster, timeout }, cacheDuration: '300s' } };
    }
  }
  return { localJwks: { inlineString: FAKE_JWKS } };
}

function provider(r: JwtRule, lookup: ClusterLookup): Json {
  const p: Json = {
    issuer: r.issuer,
    audiences: r.audiences ?? [],
    forward: r.forwardOriginalToken ?? false,
    forwardPayloadHeader: r.outputPayloadToHeader ?? '',
    payloadInMetadata: JWT_PAYLOAD_KEY,
    normalizePayloadInMetadata: { spaceDelimitedClaims: spaceDelimited(r.spaceDelimitedClaims) },
    claimToHeaders: (r.outputClaimToHeaders ?? []).map((c) => ({ headerName: c.header, claimName: c.claim })),
    fromHeaders: (r.fromHeaders ?? []).map((h) => ({ name: h.name, valuePrefix: h.prefix ?? '' })),
    fromParams: r.fromParams ?? [],
    fromCookies: r.fromCookies ?? [],
  };
  // The rule's Go-style timeout (`1m`, validated) as protobuf JSON seconds; istiod's default 5s.
  const timeoutMs = r.timeout !== undefined ? durationMsOf(r.timeout) ?? 5000 : 5000;
  return { ...p, ...jwksSource(r, `${timeoutMs / 1000}s`, lookup) };
}

/**
 * istiod's convertToEnvoyJwtConfig: one provider per rule (rules sorted by issuer + jwksUri), the
 * rule `prefix: /` requiring {provider OR allow_missing} (one provider), or with several providers
 * any of {each provider, all of {provider_i OR allow_missing}}: a token, when present, must be valid.
 */
export function jwtAuthentication(policies: readonly RequestAuthentication[], lookup: ClusterLookup): Json | undefined {
  const rules = policies.flatMap((p) => p.spec.jwtRules ?? [])
    .sort((a, b) => { const x = a.issuer + jwksUriOf(a); const y = b.issuer + jwksUriOf(b); return x < y ? -1 : x > y ? 1 : 0; });
  if (rules.length === 0) return undefined;
  const providers: Record<string, Json> = {};
  const inner: Json[] = [];
  const outer: Json[] = [];
  rules.forEach((r, i) => {
    const name = `origins-${i}`;
    providers[name] = provider(r, lookup);
    inner.push({ requiresAny: { requirements: [{ providerName: name }, { allowMissing: {} }] } });
    outer.push({ providerName: name });
  });
  const requires = inner.length === 1 ? inner[0]! : { requiresAny: { requirements: [...outer, { requiresAll: { requirements: inner } }] } };
  return { rules: [{ match: { prefix: '/' }, requires }], providers, bypassCorsPreflight: true };
}

/** The jwt_authn HTTP filters for a proxy's RequestAuthentications: none without jwtRules. */
export function jwtAuthnHttpFilters(policies: readonly RequestAuthentication[], lookup: ClusterLookup): HttpFilter[] {
  const config = jwtAuthentication(policies, lookup);
  if (config === undefined) return [];
  const msg = fromJson(JwtAuthenticationSchema, config, { registry });
  return [create(HttpFilterSchema, { name: JWT_AUTHN_FILTER, configType: { case: 'typedConfig', value: anyPack(JwtAuthenticationSchema, msg) } })];
}
