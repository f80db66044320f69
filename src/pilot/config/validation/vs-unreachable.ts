// VirtualService rules no request can reach, warned as Istio's webhook does (analyzeUnreachable*Rules):
// a rule after a match-all rule, a match repeated from an earlier rule, a prefix match an earlier one covers.
import { Findings } from './field-error.js';
import { asArr, asObj, type Obj } from './common.js';

/** A prefix URI match reduced to what Istio compares for overlaps. */
interface PrefixMatch {
  route: string;
  match: string;
  prefix: string;
  port: unknown;
  method: string;
  authority: string;
  headers: Map<string, string>;
  queryParams: Map<string, string>;
  withoutHeaders: Map<string, string>;
}

/** JSON with sorted keys, so equal matches compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = asObj(v);
  if (o === undefined) return JSON.stringify(v) ?? 'null';
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

const routeName = (r: Obj, n: number): string => (typeof r['name'] === 'string' && r['name'] !== '' ? JSON.stringify(r['name']) : `#${n}`);
const matchName = (m: Obj, n: number): string => (typeof m['name'] === 'string' && m['name'] !== '' ? JSON.stringify(m['name']) : `#${n}`);

/** Istio's assignExactOrPrefix: `exact:` or `prefix:` and the value, else empty. */
function exactOrPrefix(s: unknown): string {
  const o = asObj(s);
  if (typeof o?.['exact'] === 'string' && o['exact'] !== '') return `exact:${o['exact']}`;
  if (typeof o?.['prefix'] === 'string' && o['prefix'] !== '') return `prefix:${o['prefix']}`;
  return '';
}

const stringMatches = (m: unknown): Map<string, string> =>
  new Map(Object.entries(asObj(m) ?? {}).map(([k, v]) => [k, exactOrPrefix(v)]));

function prefixMatchOf(route: string, match: string, m: Obj): PrefixMatch | undefined {
  const prefix = asObj(m['uri'])?.['prefix'];
  if (typeof prefix !== 'string' || prefix === '') return undefined;
  return {
    route, match, prefix, port: m['port'] ?? 0,
    // No method is taken as GET, as Istio does.
    method: exactOrPrefix(m['method']) || 'exact:GET',
    authority: exactOrPrefix(m['authority']),
    headers: stringMatches(m['headers']), queryParams: stringMatches(m['queryParams']), withoutHeaders: stringMatches(m['withoutHeaders']),
  };
}

/** Istio's coveredValidation on one key-value set: same keys, each of `a`'s values starts with `b`'s. */
function mapCovered(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || (v !== w && !v.startsWith(w))) return false;
  }
  return true;
}

/** Whether the earlier prefix match `a` takes every request the later `b` would (Istio's coveredValidation). */
function covers(a: PrefixMatch, b: PrefixMatch): boolean {
  return b.prefix.startsWith(a.prefix) && a.port === b.port
    && (a.method === b.method || a.method.startsWith(b.method))
    && (a.authority === b.authority || a.authority.startsWith(b.authority))
    && mapCovered(a.headers, b.headers) && mapCovered(a.queryParams, b.queryParams) && mapCovered(a.withoutHeaders, b.withoutHeaders);
}

/** Warns of the unreachable rules and ineffective matches of one route list (`http`, `tcp` or `tls`). */
function analyzeRoutes(routes: unknown[], kind: string, f: Findings): void {
  const unused = (rule: string, reason: string): void =>
    f.warn(`spec.${kind}`, `virtualService rule ${rule} not used (${reason})`, 'VirtualServiceUnreachableRule');
  const ineffective = (rule: string, match: string, dup: string): void => f.warn(`spec.${kind}`,
    `virtualService rule ${rule} match ${match} is not used (duplicate/overlapping match in rule ${dup})`, 'VirtualServiceIneffectiveMatch');
  const seen = new Map<string, number>();
  const prefixes: PrefixMatch[] = [];
  let matchAll = -1;
  routes.forEach((raw, n) => {
    const route = asObj(raw);
    if (route === undefined) return;
    const name = kind === 'http' ? routeName(route, n) : `#${n}`;
    const matches = asArr(route['match']);
    if (matches.length === 0) {
      if (matchAll >= 0) unused(name, 'only the last rule can have no matches');
      matchAll = n;
      return;
    }
    let duplicates = 0;
    matches.forEach((rawMatch, j) => {
      if (matchAll >= 0) return unused(name, 'route without matches defined before');
      const m = asObj(rawMatch) ?? {};
      const { name: _name, ...traffic } = m;
      const key = canonical(kind === 'http' ? traffic : m);
      const mName = kind === 'http' ? matchName(m, j) : `#${j}`;
      const dup = seen.get(key);
      if (dup !== undefined) {
        ineffective(name, mName, kind === 'http' ? routeName(asObj(routes[dup]) ?? {}, dup) : `#${dup}`);
        duplicates++;
        return;
      }
      seen.set(key, n);
      const p = kind === 'http' ? prefixMatchOf(name, mName, m) : undefined;
      if (p !== undefined) prefixes.push(p);
    });
    if (duplicates === matches.length) unused(name, 'all matches used by prior rules');
  });
  prefixes.forEach((a, i) => {
    for (const b of prefixes.slice(i + 1)) {
      if (b.prefix !== a.prefix && covers(a, b)) {
        ineffective(b.route, `${b.match} of prefix ${b.prefix}`, `${a.match} of prefix ${a.prefix} on ${a.route}`);
      }
    }
  });
}

/** Istio's analyzeUnreachableHTTPRules, TCP and TLS, as warnings. */
export function warnUnreachableRules(spec: Obj, f: Findings): void {
  for (const kind of ['http', 'tcp', 'tls']) analyzeRoutes(asArr(spec[kind]), kind, f);
}
