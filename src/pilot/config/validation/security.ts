// Validation of security.istio.io kinds (PeerAuthentication, AuthorizationPolicy,
// RequestAuthentication) after Istio's webhook, beyond what their schema (schema/security.ts) checks.
import { isIP } from 'node:net';
import { Findings } from './field-error.js';
import { parseJwks } from '../../../proxy/filters/http/jwt_authn/jwks.js';
import { asArr, asObj, type Obj } from './common.js';
import type { ObjectMeta } from '../object.js';


/** Istio's validateWorkloadSelector for a `selector` at `path`: no empty keys, no wildcards; no labels is a warning. */
/** Istio's validateWorkloadSelector of a `matchLabels` selector. */
export function checkWorkloadSelector(selector: unknown, path: string, f: Findings): void {
  const sel = asObj(selector);
  if (!sel) return;
  const labels = asObj(sel['matchLabels']) ?? {};
  checkSelectorLabels(labels, `${path}.matchLabels`, f);
  if (Object.keys(labels).length === 0) f.warn(path, 'workload selector specified without labels');
}

/** A selector's labels at `path`: no empty keys, no wildcards in keys or values. */
export function checkSelectorLabels(labels: Obj, path: string, f: Findings): void {
  for (const [k, v] of Object.entries(labels)) {
    if (k === '') f.error(path, `empty key is not supported in selector: "${k}=${String(v)}"`);
    if (k.includes('*') || String(v).includes('*')) f.error(`${path}.${k}`, `wildcard is not supported in selector: "${k}=${String(v)}"`);
  }
}

/** PeerAuthentication, as Istio's ValidatePeerAuthentication (its modes are the schema's enum). */
export function validatePeerAuthentication(spec: Obj, f: Findings): void {
  const plm = spec['portLevelMtls'];
  if (plm !== undefined && plm !== null) {
    const ports = asObj(plm);
    if (!ports) {
      f.error('spec.portLevelMtls', 'portLevelMtls must be a map of port numbers to mTLS settings');
    } else {
      const emptySelector = Object.keys(asObj(asObj(spec['selector'])?.['matchLabels']) ?? {}).length === 0;
      if (emptySelector && Object.keys(ports).length > 0) f.error('spec.portLevelMtls', 'mesh/namespace peer authentication cannot have port level mTLS');
      if (Object.keys(ports).length === 0) f.error('spec.portLevelMtls', 'port level mTLS, if defined, must have at least one element');
      for (const port of Object.keys(ports)) {
        const n = /^\d+$/.test(port) ? Number(port) : NaN;
        if (!(n >= 1 && n <= 65535)) f.error(`spec.portLevelMtls.${port}`, 'port must be in range 1..65535');
      }
    }
  }
  checkWorkloadSelector(spec['selector'], 'spec.selector', f);
}

const FROM_KEYS = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts'];
const TO_KEYS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'];
/** Source fields a TCP chain can check (the rest are HTTP only). */
const TCP_FROM_KEYS = ['principals', 'notPrincipals', 'ipBlocks', 'notIpBlocks', 'namespaces', 'notNamespaces', 'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts'];
/** Group/kind pairs a targetRef may name (istiod's allowedTargetRefs; '' is the core group). */
const TARGET_KINDS = [['', 'Service'], ['networking.istio.io', 'ServiceEntry'], ['gateway.networking.k8s.io', 'Gateway'], ['gateway.networking.k8s.io', 'GatewayClass']];
/** pchar of RFC 3986 (security.validLiteral): what a path template's literal segments may hold. */
const VALID_LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

const strings = (v: unknown): string[] => asArr(v).map((x) => String(x));


function validateTargetRef(ref: unknown, path: string, f: Findings): void {
  const r = asObj(ref) ?? {};
  if (typeof r['name'] !== 'string' || r['name'] === '') f.error(`${path}.name`, 'targetRef name must be set');
  if (r['namespace'] !== undefined && r['namespace'] !== '') {
    f.error(`${path}.namespace`, 'targetRef namespace must not be set; cross namespace referencing is not supported');
  }
  const group = String(r['group'] ?? '');
  if (!TARGET_KINDS.some(([g, k]) => g === group && k === r['kind'])) {
    f.error(`${path}.kind`, `targetRef must be to one of Service, ServiceEntry, Gateway (gateway.networking.k8s.io), GatewayClass but was ${group}/${String(r['kind'] ?? '')}`);
  }
}

/** security.ValidateIPs: addresses or CIDR ranges. */
function validateIps(values: string[], path: string, f: Findings): void {
  for (const v of values) {
    if (v.includes('/')) {
      const [ip, len, ...rest] = v.split('/');
      const family = isIP(ip);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || rest.length > 0 || !/^\d+$/.test(len) || Number(len) > max) f.error(path, `bad CIDR range (${v})`);
    } else if (isIP(v) === 0) {
      f.error(path, `bad IP address (${v})`);
    }
  }
}

/** security.ValidatePorts. */
function validatePorts(values: string[], path: string, f: Findings): void {
  for (const v of values) if (!/^\d+$/.test(v) || Number(v) > 65535) f.error(path, `bad port (${v})`);
}

function checkEmptyValues(key: string, values: string[], path: string, f: Findings): void {
  if (values.includes('')) f.error(path, `empty value not allowed, found in ${key}`);
}

/** security.CheckServiceAccount: `name` or `namespace/name`, no wildcards, at most 16. */
function checkServiceAccounts(key: string, values: string[], path: string, f: Findings): void {
  if (values.length > 16) return f.error(path, 'may not have more than 16 values');
  for (const v of values) {
    const problem = v === '' ? `empty value not allowed, found in ${key}`
      : v.includes('*') ? `wildcard not allowed, found in ${key}`
        : v.split('/').length > 2 ? `expected format 'serviceAccount' or 'namespace/serviceAccount', found "${v}" in ${key}`
          : v.length > 320 ? `value cannot exceed 320 characters, found "${v}" in ${key}`
            : v.startsWith('/') ? `expected format 'serviceAccount' or 'namespace/serviceAccount', found empty namespace "${v}" in ${key}`
              : v.endsWith('/') ? `expected format 'serviceAccount' or 'namespace/serviceAccount', found empty serviceAccount "${v}" in ${key}` : undefined;
    if (problem !== undefined) return f.error(path, problem);
  }
}

/** security.CheckValidPathTemplate: `{*}` segments anywhere, `{**}` last, literals of pchar only. */
function checkPathTemplates(key: string, paths: string[], path: string, f: Findings): void {
  for (const p of paths) {
    const template = p.includes('{*}') || p.includes('{**}');
    let anySeen = false;
    const trimmed = p.replace(/^\/+|\/+$/g, '');
    for (const glob of trimmed.split('/')) {
      if ((glob === '{*}' || glob === '{**}') && anySeen) return f.error(path, `invalid or unsupported path ${trimmed}, found in ${key}. {**} is not the last operator`);
      if (glob === '{*}') continue;
      if (glob === '{**}') { anySeen = true; continue; }
      if (glob.includes('{') || glob.includes('}')) {
        return f.error(path, `invalid or unsupported path ${trimmed}, found in ${key}. Contains '{' or '}' beyond a supported path template`);
      }
      if (template && !VALID_LITERAL.test(glob)) return f.error(path, `invalid or unsupported path ${trimmed}, found in ${key}. Contains segment ${glob} with invalid string literal`);
    }
  }
}

/** `a[b]`: a name in brackets after at least one character. */
function validMapKey(key: string): boolean {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2;
}

/** security.ValidateAttribute: the `when` keys Istio knows, and their values. */
function attributeProblem(key: string, values: string[]): string | undefined {
  if (values.includes('')) return `empty value not allowed, found in ${key}`;
  const mapKey = (): string | undefined => (validMapKey(key) ? undefined : `bad key (${key}): should have format a[b]`);
  if (key.startsWith('request.headers') || key.startsWith('request.experimental.inline.headers')) return mapKey();
  if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') {
    const f = new Findings();
    validateIps(values, '', f);
    return f.errors.map((e) => e.message).join('; ') || undefined;
  }
  if (key === 'source.serviceAccount') {
    const f = new Findings();
    checkServiceAccounts(key, values, '', f);
    return f.errors[0]?.message;
  }
  if (['source.namespace', 'source.principal', 'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter', 'connection.sni'].includes(key)) return undefined;
  if (key.startsWith('request.auth.claims') || key.startsWith('experimental.envoy.filters.')) return mapKey();
  if (key === 'destination.port') {
    const bad = values.find((v) => !/^\d+$/.test(v) || Number(v) > 65535);
    return bad === undefined ? undefined : `bad port (${bad})`;
  }
  if (key === 'destination.namespace') return `attribute ${key} is replaced by the metadata.namespace`;
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`;
  if (key === 'destination.name' || key === 'destination.user') return `deprecated attribute ${key}: only supported in v1alpha1`;
  return `unknown attribute: ${key}`;
}

function validateSource(so: Obj, at: string, i: number, f: Findings): void {
  const v = (k: string): string[] => strings(so[k]);
  const set = (ks: string[]): boolean => ks.some((k) => v(k).length > 0);
  if (set(['principals', 'notPrincipals', 'namespaces', 'notNamespaces']) && set(['serviceAccounts', 'notServiceAccounts'])) {
    f.error(at, `cannot set serviceAccounts with namespaces or principals, found at rule ${i}`);
  }
  if (!set(FROM_KEYS)) f.error(at, `\`from.source\` must not be empty, found at rule ${i}`);
  for (const k of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']) validateIps(v(k), `${at}.${k}`, f);
  for (const k of FROM_KEYS) {
    const key = k[0].toUpperCase() + k.slice(1);
    if (k === 'serviceAccounts' || k === 'notServiceAccounts') checkServiceAccounts(key, v(k), `${at}.${k}`, f);
    else checkEmptyValues(key, v(k), `${at}.${k}`, f);
  }
}

function validateOperation(op: Obj, at: string, i: number, f: Findings): void {
  const v = (k: string): string[] => strings(op[k]);
  if (!TO_KEYS.some((k) => v(k).length > 0)) f.error(at, `\`to.operation\` must not be empty, found at rule ${i}`);
  validatePorts(v('ports'), `${at}.ports`, f);
  validatePorts(v('notPorts'), `${at}.notPorts`, f);
  for (const k of TO_KEYS) checkEmptyValues(k[0].toUpperCase() + k.slice(1), v(k), `${at}.${k}`, f);
  checkPathTemplates('Paths', v('paths'), `${at}.paths`, f);
  checkPathTemplates('NotPaths', v('notPaths'), `${at}.notPaths`, f);
}

/** What CUSTOM (ext_authz) rules may not use, as Istio's webhook. */
function validateCustomRule(ro: Obj, at: string, f: Findings): void {
  const unsupported = (what: string, path: string): void => f.error(path, `${what} is currently not supported with CUSTOM action`);
  asArr(ro['from']).forEach((fr, j) => {
    const so = asObj(asObj(fr)?.['source']) ?? {};
    for (const k of ['namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals']) {
      if (strings(so[k]).length > 0) unsupported(`From.${k[0].toUpperCase()}${k.slice(1)}`, `${at}.from[${j}].source.${k}`);
    }
  });
  asArr(ro['when']).forEach((w, j) => {
    const key = String(asObj(w)?.['key'] ?? '');
    if (['source.namespace', 'source.serviceAccount', 'source.principal'].includes(key) || key.startsWith('request.auth.')) {
      unsupported(key, `${at}.when[${j}].key`);
    }
  });
}

/** Istio's validatePolicyTargetReferences: one of selector, targetRef, targetRefs; each checked. */
export function checkPolicyTarget(spec: Obj, f: Findings): void {
  const selector = spec['selector'] === undefined ? undefined : asObj(spec['selector']) ?? {};
  const refs = asArr(spec['targetRefs']);
  if ([selector !== undefined, spec['targetRef'] !== undefined, refs.length > 0].filter(Boolean).length > 1) {
    f.error('spec', 'only one of targetRefs or workloadSelector can be set');
  }
  checkWorkloadSelector(spec['selector'], 'spec.selector', f);
  if (spec['targetRef'] !== undefined) validateTargetRef(spec['targetRef'], 'spec.targetRef', f);
  refs.forEach((r, i) => validateTargetRef(r, `spec.targetRefs[${i}]`, f));
}

const DRY_RUN = 'istio.io/dry-run';
/** strconv.ParseBool's spellings. */
const BOOLS: Readonly<Record<string, boolean>> = Object.fromEntries([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((k) => [k, true]), ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((k) => [k, false]),
]);

/** Istio's validateAuthorizationPolicyDryRun: a boolean, and dry-run only for ALLOW and DENY. */
function checkDryRun(annotations: Readonly<Record<string, string>> | undefined, action: string, f: Findings): void {
  const v = annotations?.[DRY_RUN];
  if (v === undefined) return;
  const dryRun = BOOLS[v];
  if (dryRun === undefined) return f.error(`metadata.annotations.${DRY_RUN}`, `invalid dry-run annotation value: ${v}`);
  if (dryRun && action !== 'ALLOW' && action !== 'DENY') f.error(`metadata.annotations.${DRY_RUN}`, `dry-run is only supported for ALLOW and DENY actions, found ${action}`);
}

/** AuthorizationPolicy, as Istio's webhook (ValidateAuthorizationPolicy). */
export function validateAuthorizationPolicy(spec: Obj, f: Findings, meta?: ObjectMeta): void {
  checkPolicyTarget(spec, f);
  const action = String(spec['action'] ?? 'ALLOW');
  checkDryRun(meta?.annotations, action, f);
  const rules = asArr(spec['rules']);
  const noRules = rules.length === 0;
  if (action === 'CUSTOM') {
    if (noRules) {
      f.error('spec.rules', 'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
    } else if (typeof asObj(spec['provider'])?.['name'] !== 'string' || asObj(spec['provider'])?.['name'] === '') {
      f.error('spec.provider.name', '`provider.name` must not be empty');
    }
    rules.forEach((r, i) => validateCustomRule(asObj(r) ?? {}, `spec.rules[${i}]`, f));
  }
  if (spec['provider'] !== undefined && action !== 'CUSTOM') f.error('spec.provider', `\`provider\` must not be with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && noRules) {
    f.error('spec.rules', 'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
  }

  rules.forEach((r, i) => {
    const at = `spec.rules[${i}]`;
    const ro = asObj(r);
    if (!ro) return f.error(at, `\`rule\` must not be nil, found at rule ${i}`);
    let tcpInFrom = false;
    let tcpInTo = false;
    let fromExists = false;
    let toExists = false;
    if (Array.isArray(ro['from']) && ro['from'].length === 0) f.error(`${at}.from`, `\`from\` must not be empty, found at rule ${i}`);
    asArr(ro['from']).forEach((fr, j) => {
      const fo = asObj(fr);
      if (!fo) return f.error(`${at}.from[${j}]`, `\`from\` must not be nil, found at rule ${i}`);
      const so = asObj(fo['source']);
      if (!so) return f.error(`${at}.from[${j}].source`, `\`from.source\` must not be nil, found at rule ${i}`);
      fromExists = true;
      validateSource(so, `${at}.from[${j}].source`, i, f);
      if (TCP_FROM_KEYS.some((k) => so[k] !== undefined)) tcpInFrom = true;
    });
    if (Array.isArray(ro['to']) && ro['to'].length === 0) f.error(`${at}.to`, `\`to\` must not be empty, found at rule ${i}`);
    asArr(ro['to']).forEach((t, j) => {
      const to = asObj(t);
      if (!to) return f.error(`${at}.to[${j}]`, `\`to\` must not be nil, found at rule ${i}`);
      const op = asObj(to['operation']);
      if (!op) return f.error(`${at}.to[${j}].operation`, `\`to.operation\` must not be nil, found at rule ${i}`);
      toExists = true;
      validateOperation(op, `${at}.to[${j}].operation`, i, f);
      if (op['ports'] !== undefined || op['notPorts'] !== undefined) tcpInTo = true;
    });
    asArr(ro['when']).forEach((w, j) => {
      const wo = asObj(w) ?? {};
      const key = typeof wo['key'] === 'string' ? wo['key'] : '';
      if (key === '') return f.error(`${at}.when[${j}].key`, '`key` must not be empty');
      const values = strings(wo['values']);
      const notValues = strings(wo['notValues']);
      if (values.length === 0 && notValues.length === 0) {
        return f.error(`${at}.when[${j}]`, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
      }
      const bad = attributeProblem(key, values);
      if (bad !== undefined) f.error(`${at}.when[${j}].values`, `invalid \`value\` for \`key\` ${key}: ${bad}`);
      const badNot = attributeProblem(key, notValues);
      if (badNot !== undefined) f.error(`${at}.when[${j}].notValues`, `invalid \`notValue\` for \`key\` ${key}: ${badNot}`);
    });
    if (action === 'DENY' && ((fromExists && !toExists && !tcpInFrom) || (toExists && !tcpInTo))) {
      f.warn(at, 'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port');
    }
  });
}

/** ValidateStrictHTTPHeaderName: what an outputClaimToHeaders header may be called. */
const STRICT_HEADER_NAME = /^[-_A-Za-z0-9]+$/;

/** What Istio's validateJwtRule checks beyond the schema: the JWT header names it writes. */
function checkClaimHeaders(v: unknown, at: string, f: Findings): void {
  asArr(v).forEach((c, j) => {
    const header = asObj(c)?.['header'];
    if (typeof header === 'string' && header !== '' && !STRICT_HEADER_NAME.test(header)) {
      f.error(`${at}.outputClaimToHeaders[${j}].header`, `invalid header name "${header}": must match ${STRICT_HEADER_NAME.source}`);
    }
  });
}

/** RequestAuthentication, as Istio's ValidateRequestAuthentication. */
export function validateRequestAuthentication(spec: Obj, f: Findings, meta?: ObjectMeta): void {
  if (meta?.annotations?.[DRY_RUN] !== undefined) f.error(`metadata.annotations.${DRY_RUN}`, `unsupported annotation ${DRY_RUN}, please remove the annotation`);
  checkPolicyTarget(spec, f);
  asArr(spec['jwtRules']).forEach((r, i) => {
    const ro = asObj(r) ?? {};
    checkClaimHeaders(ro['outputClaimToHeaders'], `spec.jwtRules[${i}]`, f);
    if (typeof ro['issuer'] !== 'string' || ro['issuer'] === '') f.error(`spec.jwtRules[${i}].issuer`, 'issuer must be set');
    if (typeof ro['jwksUri'] === 'string') {
      try {
        const u = new URL(ro['jwksUri']);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      } catch {
        f.error(`spec.jwtRules[${i}].jwksUri`, `invalid jwksUri ${ro['jwksUri']}`);
      }
    }
    if (typeof ro['jwks'] === 'string' && ro['jwks'] !== '') {
      try {
        parseJwks(ro['jwks']);
      } catch (e) {
        f.error(`spec.jwtRules[${i}].jwks`, `jwks parse error: ${(e as Error).message}`);
      }
    }
    if (ro['jwksUri'] !== undefined && ro['jwks'] !== undefined) f.warn(`spec.jwtRules[${i}]`, 'jwks and jwksUri are both set; jwks takes precedence');
  });
}
