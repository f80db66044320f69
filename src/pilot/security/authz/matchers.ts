// The Envoy matchers istiod's authorization model writes (pilot/pkg/security/authz/matcher and the
// model's permission/principal helpers), as proto3 JSON: Istio's `*` wildcards become Envoy's
// exact/prefix/suffix/regex string matchers, header and metadata matchers, CIDR ranges.
import type { JsonObject } from '@bufbuild/protobuf';
import { isIP } from 'node:net';

export type Json = JsonObject;

/** A wildcard value (`*`, `a*`, `*a`) as a StringMatcher, with `prefix` put in front of the literal part. */
export function stringMatcherWithPrefix(v: string, prefix: string): Json {
  if (v === '*') return { safeRegex: { regex: '.+' } };
  if (v.startsWith('*')) {
    return prefix === '' ? { suffix: v.slice(1) } : { safeRegex: { regex: `${prefix}.*${v.slice(1)}` } };
  }
  if (v.endsWith('*')) return { prefix: `${prefix}${v.slice(0, -1)}` };
  return { exact: `${prefix}${v}` };
}

export const stringMatcher = (v: string): Json => stringMatcherWithPrefix(v, '');
export const regexMatcher = (regex: string): Json => ({ safeRegex: { regex } });

/** matcher.HeaderMatcher: present, suffix, prefix or exact (case-sensitive). */
export function headerMatcher(name: string, v: string): Json {
  if (v === '*') return { name, presentMatch: true };
  if (v.startsWith('*')) return { name, stringMatch: { suffix: v.slice(1) } };
  if (v.endsWith('*')) return { name, stringMatch: { prefix: v.slice(0, -1) } };
  return { name, stringMatch: { exact: v } };
}

/** matcher.HostMatcher: as headerMatcher, ignoring case. */
export function hostMatcher(name: string, v: string): Json {
  if (v === '*') return { name, presentMatch: true };
  if (v.startsWith('*')) return { name, stringMatch: { suffix: v.slice(1), ignoreCase: true } };
  if (v.endsWith('*')) return { name, stringMatch: { prefix: v.slice(0, -1), ignoreCase: true } };
  return { name, stringMatch: { exact: v, ignoreCase: true } };
}

/** Go's regexp.QuoteMeta. */
function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`);
}

/** matcher.HeaderMatcherWithRegex: the value anywhere in a comma-joined header (RFC 7230 lists). */
export function inlineHeaderMatcher(name: string, v: string): Json {
  if (v === '*') return { name, presentMatch: true };
  const r = v.startsWith('*') ? `.*${quoteMeta(v.slice(1))}` : v.endsWith('*') ? `${quoteMeta(v.slice(0, -1))}.*` : quoteMeta(v);
  return { name, safeRegexMatch: { regex: `^${r}$|^${r},.*|.*,${r},.*|.*,${r}$` } };
}

/** util.AddrStrToCidrRange: `ip` (a /32 or /128) or `ip/len`; throws on a bad address. */
export function cidrRange(v: string): Json {
  const slash = v.indexOf('/');
  const ip = slash === -1 ? v : v.slice(0, slash);
  const family = isIP(ip);
  if (family === 0) throw new Error(`invalid IP address: ${v}`);
  const max = family === 4 ? 32 : 128;
  const len = slash === -1 ? max : Number(v.slice(slash + 1));
  if (!Number.isInteger(len) || len < 0 || len > max || (slash !== -1 && !/^\d+$/.test(v.slice(slash + 1)))) {
    throw new Error(`invalid CIDR range: ${v}`);
  }
  return { addressPrefix: ip, prefixLen: len };
}

/** A ValueMatcher OR of `matchers` (one alone stands for itself). */
export function orValueMatcher(matchers: Json[]): Json {
  return matchers.length === 1 ? matchers[0] : { orMatch: { valueMatchers: matchers } };
}

/** matcher.StringOrMatcher. */
export function stringOrMatcher(values: readonly string[]): Json {
  return orValueMatcher(values.map((v) => ({ stringMatch: stringMatcher(v) })));
}

/** A metadata matcher on `filter` at `keys`. */
export function metadataMatcher(filter: string, keys: readonly string[], value: Json): Json {
  return { filter, path: keys.map((key) => ({ key })), value };
}

/** Istio's JWT payload in the jwt_authn filter's metadata. */
export const JWT_FILTER = 'envoy.filters.http.jwt_authn';
export const JWT_PAYLOAD = 'payload';

/** MetadataListValueMatcherForJWTClaims: a claim that is a list containing the value, or the value itself. */
export function jwtClaimsMatcher(claims: readonly string[], value: Json): Json {
  return metadataMatcher(JWT_FILTER, [JWT_PAYLOAD, ...claims],
    { orMatch: { valueMatchers: [{ listMatch: { oneOf: value } }, value] } });
}

/** MetadataStringMatcherForJWTClaim: one top-level claim as a string. */
export function jwtClaimStringMatcher(claim: string, m: Json): Json {
  return metadataMatcher(JWT_FILTER, [JWT_PAYLOAD, claim], { stringMatch: m });
}

/** matcher.PathTemplateMatcher: Istio's `{*}` / `{**}` as Envoy's uri_template `*` / `**`. */
export function pathTemplateMatcher(path: string): Json {
  return {
    name: 'uri-template',
    typedConfig: {
      '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig',
      pathTemplate: path.replaceAll('{**}', '**').replaceAll('{*}', '*'),
    },
  };
}

/** security.ContainsPathTemplate. */
export const containsPathTemplate = (v: string): boolean => v.includes('{*}') || v.includes('{**}');

export const permissionAny = (): Json => ({ any: true });
export const principalAny = (): Json => ({ any: true });
export const permissionAnd = (rules: Json[]): Json => ({ andRules: { rules } });
export const permissionOr = (rules: Json[]): Json => ({ orRules: { rules } });
export const permissionNot = (rule: Json): Json => ({ notRule: rule });
export const principalAnd = (ids: Json[]): Json => ({ andIds: { ids } });
export const principalOr = (ids: Json[]): Json => ({ orIds: { ids } });
export const principalNot = (id: Json): Json => ({ notId: id });
export const principalAuthenticated = (name: Json): Json => ({ authenticated: { principalName: name } });
