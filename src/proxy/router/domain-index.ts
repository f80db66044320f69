// Virtual host selection by :authority, as Envoy's RouteMatcher: case-insensitive; exact domains,
// then suffix wildcards (`*.foo.com`) longest first, then prefix wildcards (`foo.*`) longest first, then `*`.
import { fail } from './errors.js';
import { asciiLower } from './string-match.js';

/** Wildcard patterns of one length (without the `*`): a map, plus a list when small enough to scan. */
interface WildcardBucket {
  readonly length: number;
  readonly map: Map<string, number>;
  readonly keys: readonly string[];
}

/** Buckets up to this size are scanned with startsWith/endsWith instead of slicing the host. */
const SCAN_LIMIT = 4;

/** Index of `port_start` as Envoy's HeaderUtility::getPortStart (IPv6 literals keep their colons), or -1. */
export function portStart(host: string): number {
  const colon = host.lastIndexOf(':');
  if (colon === -1) return -1;
  const v6End = host.lastIndexOf(']');
  return v6End === -1 || v6End < colon ? colon : -1;
}

function buckets(byLength: Map<number, Map<string, number>>): WildcardBucket[] {
  return [...byLength.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([length, map]) => ({ length, map, keys: map.size <= SCAN_LIMIT ? [...map.keys()] : [] }));
}

/** Maps an authority to the index of its virtual host. */
export class DomainIndex {
  private readonly exact = new Map<string, number>();
  private readonly suffixes: WildcardBucket[];
  private readonly prefixes: WildcardBucket[];
  private readonly fallback: number;
  private readonly onlyDefault: boolean;

  /** `domains[i]` are the domains of virtual host i; `configName` and `path` are for Envoy's error messages. */
  constructor(domains: readonly (readonly string[])[], configName: string, path: string,
    private readonly ignorePort: boolean) {
    const suffixes = new Map<number, Map<string, number>>();
    const prefixes = new Map<number, Map<string, number>>();
    let fallback = -1;
    for (let vh = 0; vh < domains.length; vh++) {
      const list = domains[vh];
      for (let j = 0; j < list.length; j++) {
        const d = asciiLower(list[j]);
        const where = `${path}[${vh}].domains[${j}]`;
        let map: Map<string, number>;
        let key: string;
        if (d === '*') {
          if (fallback !== -1) fail(where, `Only a single wildcard domain is permitted in route ${configName}`);
          fallback = vh;
          continue;
        } else if (d.startsWith('*')) {
          key = d.slice(1);
          map = suffixes.get(key.length) ?? new Map();
          suffixes.set(key.length, map);
        } else if (d.endsWith('*')) {
          key = d.slice(0, -1);
          map = prefixes.get(key.length) ?? new Map();
          prefixes.set(key.length, map);
        } else {
          key = d;
          map = this.exact;
        }
        if (map.has(key)) {
          fail(where, `Only unique values for domains are permitted. Duplicate entry of domain ${d} in route ${configName}`);
        }
        map.set(key, vh);
      }
    }
    this.fallback = fallback;
    this.suffixes = buckets(suffixes);
    this.prefixes = buckets(prefixes);
    this.onlyDefault = this.exact.size === 0 && this.suffixes.length === 0 && this.prefixes.length === 0;
  }

  /** The virtual host index for an authority, or -1 (Envoy's findVirtualHost). */
  find(authority: string): number {
    if (this.onlyDefault) return this.fallback;
    if (authority === '') return -1;
    let host = authority;
    if (this.ignorePort) {
      const p = portStart(host);
      if (p !== -1) host = host.slice(0, p);
    }
    host = asciiLower(host);
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    const len = host.length;
    // `>=`: *.foo.com must not match .foo.com itself.
    for (const b of this.suffixes) {
      if (b.length >= len) continue;
      if (b.keys.length > 0) {
        for (const k of b.keys) if (host.endsWith(k)) return b.map.get(k)!;
      } else {
        const hit = b.map.get(host.slice(len - b.length));
        if (hit !== undefined) return hit;
      }
    }
    for (const b of this.prefixes) {
      if (b.length >= len) continue;
      if (b.keys.length > 0) {
        for (const k of b.keys) if (host.startsWith(k)) return b.map.get(k)!;
      } else {
        const hit = b.map.get(host.slice(0, b.length));
        if (hit !== undefined) return hit;
      }
    }
    return this.fallback;
  }
}
