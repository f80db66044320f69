// Shared checks of Istio's validation: DNS-1123 names, hosts, durations, ports, percentages, regexes,
// and small helpers to walk untyped specs safely.
import { goRegexpError } from '../../../proxy/util/re2.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function asObj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}
export function asArr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label: lower case alphanumerics and '-', at most 63 characters. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** A DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every(isDns1123Label);
}

/** Istio's FQDN check (wildcard allowed as the first label); returns a reason or undefined. */
export function checkWildcardDomain(host: string): string | undefined {
  if (host.length === 0) return 'domain name is empty';
  if (host.length > 255) return `domain name ${host} too long (max 255)`;
  const labels = host.split('.');
  const rest = labels[0] === '*' ? labels.slice(1) : labels[0]?.startsWith('*') ? [labels[0].slice(1), ...labels.slice(1)] : labels;
  if (labels[0] === '*' && labels.length === 1) return undefined;
  for (const [i, label] of rest.entries()) {
    if (label === '' && i === rest.length - 1 && i > 0) continue; // trailing dot
    if (label === '' && i === 0 && labels[0] !== '*' && labels[0]?.startsWith('*')) continue;
    if (!/^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(label) || label.length > 63) {
      return `domain name "${host}" invalid (label "${label}" invalid)`;
    }
  }
  return undefined;
}

/** Parses a protobuf/Go style duration (`1s`, `0.5s`, `100ms`, `1m30s`) into milliseconds. */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  let pos = 0;
  for (const m of v.matchAll(re)) {
    if (m.index !== pos) return undefined;
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? 0);
    pos = m.index + m[0].length;
  }
  return pos === v.length ? total : undefined;
}

/** Istio's ValidateDuration: a valid duration of at least 1ms. */
export function checkDuration(v: unknown): string | undefined {
  const ms = parseDurationMs(v);
  if (ms === undefined) return `invalid duration: ${String(v)}`;
  if (ms < 1) return 'duration must be greater than 1ms';
  return undefined;
}

/** Port number in 1..65535. */
export function checkPort(v: unknown): string | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    return `port number ${String(v)} must be in the range 1..65535`;
  }
  return undefined;
}

/** A percentage in 0..100. */
export function checkPercent(v: unknown): string | undefined {
  if (typeof v !== 'number' || v < 0 || v > 100) return `percentage ${String(v)} is not in range 0..100`;
  return undefined;
}

/** Istio's validateStringRegexp: Go regexp (RE2) syntax, at most 1024 bytes; `where` names the field in Istio's message. */
export function checkRe2(re: string, where: string): string | undefined {
  if (Buffer.byteLength(re, 'utf8') > 1024) return `"${where}": regex is too large, max length allowed is 1024`;
  const e = goRegexpError(re);
  return e === undefined ? undefined : `"${where}": ${e}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`;
}

const FQDN_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** Istio's ValidateFQDN: DNS-1123 labels (any case), no wildcard, an optional trailing dot, at most 255 characters. */
export function isFqdn(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  return name.length > 0 && s.length <= 255 && name.split('.').every((l) => l.length <= 63 && FQDN_LABEL.test(l));
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Kubernetes label validation (labels.Instance.Validate): qualified-name keys, label values. */
export function labelsProblem(labels: Readonly<Record<string, unknown>>): string | undefined {
  for (const [k, v] of Object.entries(labels)) {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    if ((prefix !== undefined && !isDns1123Subdomain(prefix)) || name.length > 63 || !LABEL_NAME.test(name)) return `invalid label key "${k}"`;
    const value = String(v);
    if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) return `invalid label value "${value}" for key "${k}"`;
  }
  return undefined;
}

/** Istio's validateExportTo: `.`, `*`, namespaces (and `~` for a ServiceEntry), no duplicates, `*` and `~` alone. */
export function exportToProblems(namespace: string, exportTo: readonly string[], serviceEntry: boolean): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of exportTo) {
    const key = e === '.' ? namespace : e;
    if (seen.has(key)) {
      problems.push(key !== e ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${e}`);
      continue;
    }
    if (e === '~' && !serviceEntry) problems.push('exportTo ~ (none) is not allowed for Istio configuration objects');
    else if (e !== '~' && e !== '*' && e !== '.' && !isDns1123Label(key)) problems.push(`invalid namespace in exportTo: ${e}`);
    else seen.add(key);
  }
  if (seen.has('*') && exportTo.length > 1) problems.push('cannot have both public (*) and non-public exportTo values for a resource');
  if (seen.has('~') && exportTo.length > 1) problems.push('cannot export service entry to no one (~) and someone');
  return problems;
}
