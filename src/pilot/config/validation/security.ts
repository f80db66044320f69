// Validation of security.istio.io kinds (PeerAuthentication, AuthorizationPolicy,
// RequestAuthentication) after Istio's webhook, beyond what their schema (schema/security.ts) checks.
import { Findings } from './field-error.js';
import { asArr, asObj, checkPort, type Obj } from './common.js';

/** PeerAuthentication (its modes are the schema's enum). */
export function validatePeerAuthentication(spec: Obj, f: Findings): void {
  const plm = asObj(spec['portLevelMtls']);
  if (plm) {
    if (!asObj(asObj(spec['selector'])?.['matchLabels'])) f.error('spec.portLevelMtls', 'portLevelMtls requires a workload selector');
    for (const port of Object.keys(plm)) {
      const e = checkPort(Number(port));
      if (e) f.error(`spec.portLevelMtls.${port}`, e);
    }
  }
}

/** AuthorizationPolicy (actions and the source and operation fields are the schema's). */
export function validateAuthorizationPolicy(spec: Obj, f: Findings): void {
  const action = spec['action'] ?? 'ALLOW';
  if (action === 'CUSTOM' && !asObj(spec['provider'])?.['name']) f.error('spec.provider', 'a provider is required for CUSTOM action');
  if (action !== 'CUSTOM' && spec['provider'] !== undefined) f.error('spec.provider', 'provider must only be used with the CUSTOM action');
  asArr(spec['rules']).forEach((r, i) => {
    const ro = asObj(r);
    if (!ro) return f.error(`spec.rules[${i}]`, 'rule must not be null');
    asArr(ro['from']).forEach((fr, j) => {
      const so = asObj(asObj(fr)?.['source']);
      if (!so || Object.keys(so).length === 0) f.error(`spec.rules[${i}].from[${j}].source`, '`from.source` must not be empty');
    });
    asArr(ro['to']).forEach((t, j) => {
      const op = asObj(asObj(t)?.['operation']);
      if (!op || Object.keys(op).length === 0) f.error(`spec.rules[${i}].to[${j}].operation`, '`to.operation` must not be empty');
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
