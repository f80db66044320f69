// istiod's authorization model (pilot/pkg/security/authz/model): one AuthorizationPolicy rule as
// lists of attribute conditions, generated into an Envoy RBAC policy for an HTTP or a TCP filter chain.
// HTTP-only attributes on a TCP chain drop the rule for ALLOW and are left out for DENY/AUDIT.
import type { AuthorizationRule } from '../../config/kinds/authorization-policy.js';
import {
  cidrRange, containsPathTemplate, headerMatcher, hostMatcher, inlineHeaderMatcher, jwtClaimStringMatcher, jwtClaimsMatcher,
  metadataMatcher, orValueMatcher, pathTemplateMatcher, permissionAnd, permissionAny, permissionNot, permissionOr, principalAnd,
  principalAny, principalAuthenticated, principalNot, principalOr, regexMatcher, stringMatcher, stringMatcherWithPrefix,
  stringOrMatcher, type Json,
} from './matchers.js';
import { replaceTrustDomainAliases } from './trust-domain.js';

/** The RBAC action a policy list is built for (AUDIT policies become LOG). */
export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

/** A rule (or one of its values) that cannot be generated; the message is istiod's. */
export class AuthzRuleError extends Error {}

type Simple = (key: string, value: string, forTcp: boolean) => Json;
type Extended = (key: string, values: readonly string[], forTcp: boolean) => Json | undefined;

interface Condition {
  key: string;
  values: readonly string[];
  notValues: readonly string[];
  simple?: Simple;
  extended?: Extended;
}

const httpOnly = (key: string): never => {
  throw new AuthzRuleError(`"${key}" is HTTP only`);
};

function port(v: string): number {
  const p = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(p >= 0 && p <= 65535)) throw new AuthzRuleError(`invalid port ${v}`);
  return p;
}

function cidr(v: string): Json {
  try {
    return cidrRange(v);
  } catch (e) {
    throw new AuthzRuleError((e as Error).message);
  }
}

function nameInBrackets(s: string): string {
  if (!s.startsWith('[') || !s.endsWith(']')) throw new AuthzRuleError(`expecting format [<NAME>], but found ${s}`);
  return s.slice(1, -1);
}

/** `[a][b]` -> [a, b]; anything else must be one `[name]`. */
function namesInNestedBrackets(s: string): string[] {
  const out: string[] = [];
  for (let begin = 0; begin < s.length;) {
    let end = -1;
    if (s[begin] === '[') {
      for (let i = begin + 1; i < s.length; i++) {
        if (s[i] === '[') break;
        if (s[i] === ']') { end = i; break; }
      }
    }
    if (end === -1) return [nameInBrackets(s)];
    out.push(s.slice(begin + 1, end));
    begin = end + 1;
  }
  return out;
}

/** serviceAccountRegex: `<name>` (in the policy's namespace) or `<namespace>/<name>`. */
function serviceAccountRegex(policyNamespace: string, value: string): string {
  const slash = value.indexOf('/');
  const [ns, sa] = slash === -1 ? [policyNamespace, value] : [value.slice(0, slash), value.slice(slash + 1)];
  return `spiffe://.+/ns/${ns}/(.+/|)sa/${sa}(/.+)?`;
}

const matchAny = regexMatcher('.+');

/** requestPrincipalGenerator: `iss/sub` with `*` wildcards, on the JWT payload's iss and sub claims. */
const requestPrincipal: Extended = (key, values, forTcp) => {
  if (forTcp) httpOnly(key);
  const or = values.map((value) => {
    const idx = value.lastIndexOf('/');
    const found = idx >= 0;
    const iss = found ? value.slice(0, idx) : value;
    const sub = found ? value.slice(idx + 1) : '';
    let matchIss: Json;
    let matchSub: Json;
    if (value === '*') {
      matchIss = matchAny;
      matchSub = matchAny;
    } else if (value.startsWith('*')) {
      if (found) {
        matchIss = iss === '*' ? matchAny : { suffix: iss.slice(1) };
        matchSub = { exact: sub };
      } else {
        matchIss = matchAny;
        matchSub = { suffix: value.slice(1) };
      }
    } else if (value.endsWith('*')) {
      if (found) {
        matchIss = { exact: iss };
        matchSub = sub === '*' ? matchAny : { prefix: sub.slice(0, -1) };
      } else {
        matchIss = { prefix: value.slice(0, -1) };
        matchSub = matchAny;
      }
    } else {
      matchIss = { exact: iss };
      matchSub = { exact: sub };
    }
    return principalAnd([{ metadata: jwtClaimStringMatcher('iss', matchIss) }, { metadata: jwtClaimStringMatcher('sub', matchSub) }]);
  });
  if (or.length === 0) return undefined;
  return or.length === 1 ? or[0] : principalOr(or);
};

const jwtList = (claims: (key: string) => string[]): Extended => (key, values, forTcp) => {
  if (forTcp) httpOnly(key);
  return { metadata: jwtClaimsMatcher(claims(key), stringOrMatcher(values)) };
};

/** envoyFilterGenerator: `experimental.envoy.filters.a.b[c]` on the filter's metadata key c (`[v]` = a list holding v). */
const envoyFilter: Extended = (key, values) => {
  const trimmed = key.slice('experimental.'.length).replace(/\]$/, '');
  const open = trimmed.indexOf('[');
  if (open === -1) throw new AuthzRuleError(`invalid key: ${key}`);
  const matchers = values.map((v): Json => (v.startsWith('[') && v.endsWith(']')
    ? { listMatch: { oneOf: { stringMatch: stringMatcher(v.replace(/^\[+|\]+$/g, '')) } } }
    : { stringMatch: stringMatcher(v) }));
  return { metadata: metadataMatcher(trimmed.slice(0, open), [trimmed.slice(open + 1)], orValueMatcher(matchers)) };
};

const G = {
  destIp: ((_k, v) => ({ destinationIp: cidr(v) })) as Simple,
  destPort: ((_k, v) => ({ destinationPort: port(v) })) as Simple,
  sni: ((_k, v) => ({ requestedServerName: stringMatcher(v) })) as Simple,
  srcIp: ((_k, v) => ({ directRemoteIp: cidr(v) })) as Simple,
  remoteIp: ((_k, v) => ({ remoteIp: cidr(v) })) as Simple,
  srcNamespace: ((_k, v) => principalAuthenticated(regexMatcher(`.*/ns/${v.replaceAll('*', '.*')}/.*`))) as Simple,
  srcPrincipal: ((_k, v) => principalAuthenticated(stringMatcherWithPrefix(v, 'spiffe://'))) as Simple,
  requestHeader: ((k, v, tcp) => (tcp ? httpOnly(k) : { header: headerMatcher(nameInBrackets(k.slice('request.headers'.length)), v) })) as Simple,
  inlineHeader: ((k, v, tcp) => (tcp ? httpOnly(k)
    : { header: inlineHeaderMatcher(nameInBrackets(k.slice('request.experimental.inline.headers'.length)), v) })) as Simple,
  host: ((k, v, tcp) => (tcp ? httpOnly(k) : { header: hostMatcher(':authority', v) })) as Simple,
  method: ((k, v, tcp) => (tcp ? httpOnly(k) : { header: headerMatcher(':method', v) })) as Simple,
  path: ((k, v, tcp): Json => {
    if (tcp) httpOnly(k);
    return containsPathTemplate(v) ? { uriTemplate: pathTemplateMatcher(v) } : { urlPath: { path: stringMatcher(v) } };
  }) as Simple,
};

/** A rule as istiod's Model: one principal list per `from`, one permission list per `to`, conditions merged into each. */
export interface RuleModel {
  readonly permissions: Condition[][];
  readonly principals: Condition[][];
}

function cond(key: string, values: readonly string[] | undefined, notValues: readonly string[] | undefined,
  g: { simple?: Simple; extended?: Extended }): Condition[] {
  return (values?.length ?? 0) === 0 && (notValues?.length ?? 0) === 0 ? [] : [{ key, values: values ?? [], notValues: notValues ?? [], ...g }];
}

/**
 * Builds the model of one rule (istiod's model.New); `trustDomains` rewrites source principals
 * (MigrateTrustDomain). Throws an AuthzRuleError for an unknown `when` key.
 */
export function ruleModel(rule: AuthorizationRule, policyNamespace: string, trustDomains: readonly string[]): RuleModel {
  const basePermission: Condition[] = [];
  const basePrincipal: Condition[] = [];
  const td = (vs: readonly string[] | undefined): string[] | undefined => (vs === undefined ? undefined : replaceTrustDomainAliases(vs, trustDomains));
  const sa = (_k: string, v: string): Json => principalAuthenticated(regexMatcher(serviceAccountRegex(policyNamespace, v)));
  for (const w of rule.when ?? []) {
    const k = w.key;
    const add = (list: Condition[], g: { simple?: Simple; extended?: Extended }): void => {
      const principal = k === 'source.principal';
      list.push(...cond(k, principal ? td(w.values) : w.values, principal ? td(w.notValues) : w.notValues, g));
    };
    if (k === 'destination.ip') add(basePermission, { simple: G.destIp });
    else if (k === 'destination.port') add(basePermission, { simple: G.destPort });
    else if (k === 'connection.sni') add(basePermission, { simple: G.sni });
    else if (k.startsWith('experimental.envoy.filters.')) add(basePermission, { extended: envoyFilter });
    else if (k === 'source.ip') add(basePrincipal, { simple: G.srcIp });
    else if (k === 'remote.ip') add(basePrincipal, { simple: G.remoteIp });
    else if (k === 'source.namespace') add(basePrincipal, { simple: G.srcNamespace });
    else if (k === 'source.serviceAccount') add(basePrincipal, { simple: sa });
    else if (k === 'source.principal') add(basePrincipal, { simple: G.srcPrincipal });
    else if (k === 'request.auth.principal') add(basePrincipal, { extended: requestPrincipal });
    else if (k === 'request.auth.audiences') add(basePrincipal, { extended: jwtList(() => ['aud']) });
    else if (k === 'request.auth.presenter') add(basePrincipal, { extended: jwtList(() => ['azp']) });
    else if (k.startsWith('request.headers')) add(basePrincipal, { simple: G.requestHeader });
    else if (k.startsWith('request.experimental.inline.headers')) add(basePrincipal, { simple: G.inlineHeader });
    else if (k.startsWith('request.auth.claims')) add(basePrincipal, { extended: jwtList((key) => namesInNestedBrackets(key.slice('request.auth.claims'.length))) });
    else throw new AuthzRuleError(`unknown attribute ${k}`);
  }
  const principals: Condition[][] = [];
  for (const from of rule.from ?? []) {
    const s = from.source;
    principals.push(s === undefined ? [...basePrincipal] : [
      ...cond('source.principal', td(s.principals), td(s.notPrincipals), { simple: G.srcPrincipal }),
      ...cond('request.auth.principal', s.requestPrincipals, s.notRequestPrincipals, { extended: requestPrincipal }),
      ...cond('source.serviceAccount', s.serviceAccounts, s.notServiceAccounts, { simple: sa }),
      ...cond('source.namespace', s.namespaces, s.notNamespaces, { simple: G.srcNamespace }),
      ...cond('remote.ip', s.remoteIpBlocks, s.notRemoteIpBlocks, { simple: G.remoteIp }),
      ...cond('source.ip', s.ipBlocks, s.notIpBlocks, { simple: G.srcIp }),
      ...basePrincipal,
    ]);
  }
  if ((rule.from ?? []).length === 0) principals.push(basePrincipal);
  const permissions: Condition[][] = [];
  for (const to of rule.to ?? []) {
    const o = to.operation;
    permissions.push(o === undefined ? [...basePermission] : [
      ...cond(':authority', o.hosts, o.notHosts, { simple: G.host }),
      ...cond(':method', o.methods, o.notMethods, { simple: G.method }),
      ...cond('path-matcher', o.paths, o.notPaths, { simple: G.path }),
      ...cond('destination.port', o.ports, o.notPorts, { simple: G.destPort }),
      ...basePermission,
    ]);
  }
  if ((rule.to ?? []).length === 0) permissions.push(basePermission);
  return { permissions, principals };
}

/** checkError: an ALLOW rule fails whole (it grants less); DENY and AUDIT just leave the value out (they match more). */
function attempt<T>(action: RbacAction, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof AuthzRuleError && action !== 'ALLOW') return undefined;
    throw e;
  }
}

/** One condition's matchers: OR of its values, then NOT(OR of its notValues). */
function conditionMatchers(c: Condition, forTcp: boolean, action: RbacAction,
  or: (xs: Json[]) => Json, not: (x: Json) => Json): Json[] {
  const out: Json[] = [];
  for (const [values, negate] of [[c.values, false], [c.notValues, true]] as const) {
    if (values.length === 0) continue;
    let m: Json | undefined;
    if (c.extended !== undefined) {
      m = attempt(action, () => c.extended!(c.key, values, forTcp));
    } else {
      const each = values.map((v) => attempt(action, () => c.simple!(c.key, v, forTcp))).filter((x): x is Json => x !== undefined);
      m = each.length > 0 ? or(each) : undefined;
    }
    if (m !== undefined) out.push(negate ? not(m) : m);
  }
  return out;
}

/** istiod's Model.Generate: the Envoy policy (permissions AND principals); throws for an ALLOW rule it cannot express. */
export function generatePolicy(m: RuleModel, forTcp: boolean, action: RbacAction): Json {
  const permissions = m.permissions.map((list) => {
    const and = list.flatMap((c) => conditionMatchers(c, forTcp, action, permissionOr, permissionNot));
    return permissionAnd(and.length > 0 ? and : [permissionAny()]);
  });
  const principals = m.principals.map((list) => {
    const and = list.flatMap((c) => conditionMatchers(c, forTcp, action, principalOr, principalNot));
    return principalAnd(and.length > 0 ? and : [principalAny()]);
  });
  return { permissions, principals };
}
