// A route's hash_policy (Envoy's Http::HashPolicyImpl): the request's hash key for RING_HASH and
// MAGLEV clusters from headers, cookies, the source IP or a query parameter, compiled once per route.
import type {
  RouteAction_HashPolicy, RouteAction_HashPolicy_CookieAttribute,
} from '../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { HeaderMap, RequestHead } from '../http/headers.js';
import { toBigInt, xxHash64Into } from '../upstream/lb/hash64.js';
import { fail } from './errors.js';
import { asciiLower, compileRegexRewrite, type RegexRewrite } from './string-match.js';
import { headerSource, SRC_AUTHORITY, SRC_HEADER, SRC_METHOD, SRC_PATH, SRC_SCHEME } from './header-source.js';

/** Scratch [high, low] words; hashing is synchronous, so one buffer serves every request. */
const OUT = new Uint32Array(2);

/** Where the router puts the cookie a cookie policy with a `ttl` generates when the request has none. */
export interface HashCookieSink {
  /**
   * Envoy's addDownstreamSetCookie: returns the new cookie's value (hashed for this request) and
   * remembers `Set-Cookie: <setCookieHeaderValue(...)>` for the response. '' means no cookie.
   */
  addHashCookie(name: string, path: string, ttlSeconds: number,
    attributes: readonly RouteAction_HashPolicy_CookieAttribute[]): string;
}

/** The value Envoy gives a generated cookie: hex of xxHash64(remote `ip:port` + local `ip:port`). */
export function generatedCookieValue(remoteAddress: string, localAddress: string): string {
  xxHash64Into(remoteAddress + localAddress, 0, 0, OUT);
  return OUT[0].toString(16).padStart(8, '0') + OUT[1].toString(16).padStart(8, '0');
}

/** Envoy's Utility::makeSetCookieValue(..., httponly = true): `name="value"; Max-Age=N; Path=p; attrs; HttpOnly`. */
export function setCookieHeaderValue(name: string, value: string, path: string, maxAgeSeconds: number,
  attributes: readonly RouteAction_HashPolicy_CookieAttribute[]): string {
  let out = `${name}="${value}"`;
  if (maxAgeSeconds !== 0) out += `; Max-Age=${maxAgeSeconds}`;
  if (path !== '') out += `; Path=${path}`;
  for (const a of attributes) out += a.value === '' ? `; ${a.name}` : `; ${a.name}=${a.value}`;
  return `${out}; HttpOnly`;
}

/** One hash method; evaluate() writes the hash into OUT and says whether there is one. */
interface HashMethod {
  readonly terminal: boolean;
  evaluate(head: RequestHead, remoteIp: string, cookies: HashCookieSink | null): boolean;
}

/** header: xxHash64 of the value; several values are sorted and chained through the seed. */
class HeaderHash implements HashMethod {
  private readonly source: number;

  constructor(private readonly name: string, private readonly rewrite: RegexRewrite | null, readonly terminal: boolean) {
    this.source = headerSource(name);
  }

  evaluate(head: RequestHead): boolean {
    switch (this.source) {
      case SRC_HEADER: return this.hashHeaders(head.headers);
      case SRC_METHOD: return this.hashOne(head.method);
      case SRC_PATH: return this.hashOne(head.path);
      case SRC_AUTHORITY: return this.hashOne(head.authority);
      case SRC_SCHEME: return this.hashOne(head.scheme);
      default: return false;
    }
  }

  private hashOne(value: string): boolean {
    if (value === '') return false;
    xxHash64Into(this.rewrite === null ? value : this.rewrite.apply(value), 0, 0, OUT);
    return true;
  }

  private hashHeaders(headers: HeaderMap): boolean {
    const names = headers.names;
    const first = names.indexOf(this.name);
    if (first === -1) return false;
    if (names.indexOf(this.name, first + 1) === -1) {
      const v = headers.values[first];
      xxHash64Into(this.rewrite === null ? v : this.rewrite.apply(v), 0, 0, OUT);
      return true;
    }
    const values: string[] = [];
    for (let i = first; i < names.length; i++) {
      if (names[i] === this.name) values.push(this.rewrite === null ? headers.values[i] : this.rewrite.apply(headers.values[i]));
    }
    // The same hash whatever order the values came in.
    values.sort();
    let sh = 0;
    let sl = 0;
    for (const v of values) {
      xxHash64Into(v, sh, sl, OUT);
      sh = OUT[0];
      sl = OUT[1];
    }
    return true;
  }
}

/** The first cookie `name` in the Cookie headers (quotes stripped), '' when absent (Envoy's parseCookieValue). */
export function cookieValue(headers: HeaderMap, name: string): string {
  const names = headers.names;
  for (let h = 0; h < names.length; h++) {
    if (names[h] !== 'cookie') continue;
    const s = headers.values[h];
    let start = 0;
    while (start < s.length) {
      let end = s.indexOf(';', start);
      if (end === -1) end = s.length;
      const eq = s.indexOf('=', start);
      if (eq !== -1 && eq < end) {
        let k = start;
        while (k < eq && s.charCodeAt(k) === 32) k++;
        if (eq - k === name.length && s.startsWith(name, k)) {
          let vs = eq + 1;
          let ve = end;
          if (ve - vs >= 2 && s.charCodeAt(vs) === 34 && s.charCodeAt(ve - 1) === 34) {
            vs++;
            ve--;
          }
          return s.slice(vs, ve);
        }
      }
      start = end + 1;
    }
  }
  return '';
}

/** cookie: xxHash64 of the cookie's value; with a ttl, a missing cookie is generated and set. */
class CookieHash implements HashMethod {
  constructor(private readonly name: string, private readonly path: string, private readonly ttlSeconds: number,
    private readonly attributes: readonly RouteAction_HashPolicy_CookieAttribute[], readonly terminal: boolean) {}

  evaluate(head: RequestHead, _ip: string, cookies: HashCookieSink | null): boolean {
    let value = cookieValue(head.headers, this.name);
    if (value === '') {
      if (this.ttlSeconds < 0 || cookies === null) return false;
      value = cookies.addHashCookie(this.name, this.path, this.ttlSeconds, this.attributes);
      if (value === '') return false;
    }
    xxHash64Into(value, 0, 0, OUT);
    return true;
  }
}

/** The IP of an address: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1` or `[2001:db8::1]:80` (as StreamInfo keeps them). */
export function addressIp(address: string): string {
  let ip = address;
  if (address.charCodeAt(0) === 91 /* [ */) {
    const end = address.indexOf(']');
    if (end !== -1) ip = address.slice(1, end);
  } else {
    const colon = address.indexOf(':');
    if (colon !== -1 && address.indexOf(':', colon + 1) === -1) return address.slice(0, colon);
  }
  // Envoy reports IPv4-mapped peers of dual-stack listeners as plain IPv4.
  return ip.startsWith('::ffff:') && ip.indexOf('.') !== -1 ? ip.slice(7) : ip;
}

/** connection_properties.source_ip: xxHash64 of the downstream address without port. */
class SourceIpHash implements HashMethod {
  constructor(readonly terminal: boolean) {}

  evaluate(_head: RequestHead, address: string): boolean {
    if (address === '') return false;
    xxHash64Into(addressIp(address), 0, 0, OUT);
    return true;
  }
}

/** The first value of query parameter `name` in `path`, not decoded (Envoy's QueryParamsMulti). */
export function queryParameterValue(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q === -1) return undefined;
  let start = q + 1;
  while (start < path.length) {
    let end = path.indexOf('&', start);
    if (end === -1) end = path.length;
    const eq = path.indexOf('=', start);
    const nameEnd = eq !== -1 && eq < end ? eq : end;
    if (nameEnd - start === name.length && path.startsWith(name, start)) {
      return nameEnd === end ? '' : path.slice(eq + 1, end);
    }
    start = end + 1;
  }
  return undefined;
}

/** query_parameter: xxHash64 of the parameter's first value. */
class QueryParameterHash implements HashMethod {
  constructor(private readonly name: string, readonly terminal: boolean) {}

  evaluate(head: RequestHead): boolean {
    const v = queryParameterValue(head.path, this.name);
    if (v === undefined) return false;
    xxHash64Into(v, 0, 0, OUT);
    return true;
  }
}

/** filter_state: Strait's filters keep no hashable filter state, so this never yields a hash. */
class FilterStateHash implements HashMethod {
  constructor(readonly terminal: boolean) {}

  evaluate(): boolean {
    return false;
  }
}

/** A compiled hash_policy list. */
export class CompiledHashPolicy {
  constructor(private readonly methods: readonly HashMethod[]) {}

  /**
   * The request's hash key (Envoy's generateHash: each hash rotated left by one, then xored with the next;
   * `terminal` stops once there is a hash), or undefined when no policy yields one. `remoteIp` is the
   * downstream address after x-forwarded-for processing (%DOWNSTREAM_REMOTE_ADDRESS%); a `:port` suffix, as
   * StreamInfo keeps it, is ignored. `cookies` takes the cookies that cookie policies with a ttl generate.
   */
  generate(head: RequestHead, remoteIp: string, cookies: HashCookieSink | null): bigint | undefined {
    let have = false;
    let h = 0;
    let l = 0;
    for (const m of this.methods) {
      if (m.evaluate(head, remoteIp, cookies)) {
        if (have) {
          const rh = ((h << 1) | (l >>> 31)) >>> 0;
          const rl = ((l << 1) | (h >>> 31)) >>> 0;
          h = (rh ^ OUT[0]) >>> 0;
          l = (rl ^ OUT[1]) >>> 0;
        } else {
          h = OUT[0];
          l = OUT[1];
          have = true;
        }
      }
      if (m.terminal && have) break;
    }
    return have ? toBigInt(h, l) : undefined;
  }
}

/**
 * Compiles a route's hash_policy; throws RouteConfigError at `path` (e.g.
 * `.virtual_hosts[0].routes[1].route.hash_policy`). Route compilation calls it once per route action.
 */
export function compileHashPolicy(policies: readonly RouteAction_HashPolicy[], path: string): CompiledHashPolicy {
  const methods: HashMethod[] = [];
  policies.forEach((p, i) => {
    const at = `${path}[${i}]`;
    const spec = p.policySpecifier;
    switch (spec.case) {
      case 'header': {
        const name = asciiLower(spec.value.headerName);
        if (name === '') fail(`${at}.header.header_name`, 'value length must be at least 1 characters');
        const rw = spec.value.regexRewrite;
        methods.push(new HeaderHash(name, rw === undefined ? null : compileRegexRewrite(rw, `${at}.header.regex_rewrite`),
          p.terminal));
        break;
      }
      case 'cookie': {
        const c = spec.value;
        if (c.name === '') fail(`${at}.cookie.name`, 'value length must be at least 1 characters');
        methods.push(new CookieHash(c.name, c.path, c.ttl === undefined ? -1 : Number(c.ttl.seconds), c.attributes,
          p.terminal));
        break;
      }
      case 'connectionProperties':
        if (spec.value.sourceIp) methods.push(new SourceIpHash(p.terminal));
        break;
      case 'queryParameter':
        if (spec.value.name === '') fail(`${at}.query_parameter.name`, 'value length must be at least 1 characters');
        methods.push(new QueryParameterHash(spec.value.name, p.terminal));
        break;
      case 'filterState':
        methods.push(new FilterStateHash(p.terminal));
        break;
      default:
        fail(at, 'one of header, cookie, connection_properties, query_parameter or filter_state is required');
    }
  });
  return new CompiledHashPolicy(methods);
}
