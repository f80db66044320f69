// Validation of extensions.istio.io WasmPlugin after Istio's CRD rules and webhook (ValidateWasmPlugin):
// the URL's scheme, sha256, VM env entries, selector and policy targets.
import { Findings } from './field-error.js';
import { asArr, asObj, type Obj } from './common.js';
import { checkPolicyTarget } from './security.js';

const SCHEMES = ['', 'http', 'https', 'oci', 'file'];

/** The scheme of `s` when it reads as an absolute URI or absolute path (the CEL isURL), else undefined. */
function schemeOf(s: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s) || /[\s\x00-\x1f\x7f]/.test(s)) return undefined;
  if (s.startsWith('/')) return '';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** The CRD's rule: a URL (or a bare host, read as http://) with scheme http, https, oci or file. */
function checkUrl(url: unknown, f: Findings): void {
  if (typeof url !== 'string' || url === '') return;
  const scheme = schemeOf(url) ?? (schemeOf(`http://${url}`) !== undefined && !url.includes('#') ? 'http' : undefined);
  if (scheme === undefined || !SCHEMES.includes(scheme)) f.error('spec.url', 'url must have schema one of [http, https, file, oci]');
}

/** WasmPlugin, as Istio's CRD rules and ValidateWasmPlugin. */
export function validateWasmPlugin(spec: Obj, f: Findings): void {
  checkPolicyTarget(spec, f);
  checkUrl(spec['url'], f);
  const sha = spec['sha256'];
  if (typeof sha === 'string' && sha !== '' && !/^[a-f0-9]{64}$/.test(sha)) f.error('spec.sha256', 'spec.sha256 in body should match \'(^$|^[a-f0-9]{64}$)\'');
  const seen = new Set<string>();
  asArr(asObj(spec['vmConfig'])?.['env']).forEach((e, i) => {
    const eo = asObj(e) ?? {};
    const at = `spec.vmConfig.env[${i}]`;
    const name = String(eo['name'] ?? '');
    if (seen.has(name)) f.error(`${at}`, `Duplicate value: map[string]interface {}{"name":"${name}"}`);
    seen.add(name);
    if (eo['valueFrom'] === 'HOST' && eo['value'] !== undefined) f.error(`${at}.value`, 'value may only be set when valueFrom is INLINE');
  });
}
