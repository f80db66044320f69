// Validation of security.istio.io kinds (PeerAuthentication, AuthorizationPolicy,
// RequestAuthentication) and telemetry.istio.io Telemetry, after Istio's webhook.
import { Findings } from './field-error.js';
import { asArr, asObj, type Obj } from './common.js';

const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'];

/** Istio's validateWorkloadSelector for a `selector` at `path`: no empty keys, no wildcards; no labels is a warning. */
function checkWorkloadSelector(selector: unknown, path: string, f: Findings): void {
  const sel = asObj(selector);
  if (!sel) return;
  const labels = asObj(sel['matchLabels']) ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (k === '') f.error(`${path}.matchLabels`, `empty key is not supported in selector: "${k}=${String(v)}"`);
    if (k.includes('*') || String(v).includes('*')) f.error(`${path}.matchLabels.${k}`, `wildcard is not supported in selector: "${k}=${String(v)}"`);
  }
  if (Object.keys(labels).length === 0) f.warn(path, 'workload selector specified without labels');
}

/** PeerAuthentication, as Istio's ValidatePeerAuthentication (plus the mode enum the CRD schema checks). */
export function validatePeerAuthentication(spec: Obj, f: Findings): void {
  const mode = asObj(spec['mtls'])?.['mode'];
  if (mode !== undefined && !MTLS_MODES.includes(String(mode))) f.error('spec.mtls.mode', `unrecognized mTLS mode ${String(mode)}`);
  const plm = spec['portLevelMtls'];
  if (plm !== undefined && plm !== null) {
    const ports = asObj(plm);
    if (!ports) {
      f.error('spec.portLevelMtls', 'portLevelMtls must be a map of port numbers to mTLS settings');
    } else {
      const emptySelector = Object.keys(asObj(asObj(spec['selector'])?.['matchLabels']) ?? {}).length === 0;
      if (emptySelector && Object.keys(ports).length > 0) f.error('spec.portLevelMtls', 'mesh/namespace peer authentication cannot have port level mTLS');
      if (Object.keys(ports).length === 0) f.error('spec.portLevelMtls', 'port level mTLS, if defined, must have at least one element');
      for (const [port, v] of Object.entries(ports)) {
        const n = /^\d+$/.test(port) ? Number(port) : NaN;
        if (!(n >= 1 && n <= 65535)) f.error(`spec.portLevelMtls.${port}`, 'port must be in range 1..65535');
        const m = asObj(v)?.['mode'];
        if (m !== undefined && !MTLS_MODES.includes(String(m))) f.error(`spec.portLevelMtls.${port}.mode`, `unrecognized mTLS mode ${String(m)}`);
      }
    }
  }
  checkWorkloadSelector(spec['selector'], 'spec.selector', f);
}

const ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'];
const FROM_KEYS = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts'];
const TO_KEYS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'];

/** AuthorizationPolicy. */
export function validateAuthorizationPolicy(spec: Obj, f: Findings): void {
  const action = spec['action'] ?? 'ALLOW';
  if (!ACTIONS.includes(String(action))) f.error('spec.action', `unknown action ${String(action)}`);
  if (action === 'CUSTOM' && !asObj(spec['provider'])?.['name']) f.error('spec.provider', 'a provider is required for CUSTOM action');
  if (action !== 'CUSTOM' && spec['provider'] !== undefined) f.error('spec.provider', 'provider must only be used with the CUSTOM action');
  asArr(spec['rules']).forEach((r, i) => {
    const ro = asObj(r);
    if (!ro) return f.error(`spec.rules[${i}]`, 'rule must not be null');
    asArr(ro['from']).forEach((fr, j) => {
      const so = asObj(asObj(fr)?.['source']);
      if (!so || Object.keys(so).length === 0) return f.error(`spec.rules[${i}].from[${j}].source`, '`from.source` must not be empty');
      for (const k of Object.keys(so)) if (!FROM_KEYS.includes(k)) f.error(`spec.rules[${i}].from[${j}].source.${k}`, `unknown field ${k}`);
    });
    asArr(ro['to']).forEach((t, j) => {
      const op = asObj(asObj(t)?.['operation']);
      if (!op || Object.keys(op).length === 0) return f.error(`spec.rules[${i}].to[${j}].operation`, '`to.operation` must not be empty');
      for (const k of Object.keys(op)) if (!TO_KEYS.includes(k)) f.error(`spec.rules[${i}].to[${j}].operation.${k}`, `unknown field ${k}`);
    });
    asArr(ro['when']).forEach((w, j) => {
      const wo = asObj(w) ?? {};
      if (typeof wo['key'] !== 'string' || wo['key'] === '') f.error(`spec.rules[${i}].when[${j}].key`, 'key cannot be empty');
      if (asArr(wo['values']).length === 0 && asArr(wo['notValues']).length === 0) {
        f.error(`spec.rules[${i}].when[${j}]`, 'at least one of values or notValues must be set');
      }
    });
  });
}

/** RequestAuthentication. */
export function validateRequestAuthentication(spec: Obj, f: Findings): void {
  asArr(spec['jwtRules']).forEach((r, i) => {
    const ro = asObj(r) ?? {};
    if (typeof ro['issuer'] !== 'string' || ro['issuer'] === '') f.error(`spec.jwtRules[${i}].issuer`, 'issuer must be set');
    if (typeof ro['jwksUri'] === 'string') {
      try {
        const u = new URL(ro['jwksUri']);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      } catch {
        f.error(`spec.jwtRules[${i}].jwksUri`, `invalid jwksUri ${ro['jwksUri']}`);
      }
    }
    if (ro['jwksUri'] !== undefined && ro['jwks'] !== undefined) f.warn(`spec.jwtRules[${i}]`, 'jwks and jwksUri are both set; jwks takes precedence');
  });
}

/** Telemetry. */
export function validateTelemetry(spec: Obj, f: Findings): void {
  asArr(spec['tracing']).forEach((t, i) => {
    const v = asObj(t)?.['randomSamplingPercentage'];
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 100)) {
      f.error(`spec.tracing[${i}].randomSamplingPercentage`, 'randomSamplingPercentage must be in range [0.0, 100.0]');
    }
  });
  for (const k of ['tracing', 'accessLogging', 'metrics']) {
    asArr(spec[k]).forEach((t, i) => {
      asArr(asObj(t)?.['providers']).forEach((p, j) => {
        if (typeof asObj(p)?.['name'] !== 'string') f.error(`spec.${k}[${i}].providers[${j}].name`, 'must specify a provider name');
      });
    });
  }
}
