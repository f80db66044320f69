// CIDR ranges for filter chain matching (prefix_ranges, source_prefix_ranges ...), and a table
// that finds the most specific range holding an address, as Envoy's LC-trie lookups do.
import { BlockList, isIP } from 'node:net';
import type { CidrRange as CidrProto } from '../../xds/gen/envoy/config/core/v3/address_pb.js';

/** One parsed range; `null` in a table stands for "any address" (both families). */
export class CidrRange {
  private readonly list = new BlockList();

  private constructor(readonly family: 4 | 6, readonly prefixLen: number, readonly key: string, address: string) {
    this.list.addSubnet(address, prefixLen, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** Parses `address/prefix_len`; returns an error message instead on bad input. */
  static parse(p: CidrProto): CidrRange | string {
    const family = isIP(p.addressPrefix);
    if (family === 0) return `malformed IP address: ${p.addressPrefix}`;
    const len = p.prefixLen ?? 0;
    const max = family === 4 ? 32 : 128;
    if (len > max) return `invalid prefix length ${len} for ${p.addressPrefix}`;
    const address = family === 4 ? maskV4(p.addressPrefix, len) : p.addressPrefix.toLowerCase();
    return new CidrRange(family as 4 | 6, len, `${address}/${len}`, address);
  }

  contains(ip: string, family: 4 | 6): boolean {
    return family === this.family && this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Zeroes the host bits, so `10.1.2.3/8` and `10.0.0.0/8` are the same range (as Envoy's CidrRange). */
function maskV4(ip: string, len: number): string {
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const v = (n & mask) >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/** An address as filter chain matching sees it: IPv4-mapped IPv6 becomes IPv4. */
export function plainIp(ip: string | undefined): string {
  if (ip === undefined) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** Ranges mapped to values; lookups return the value of the longest matching prefix. */
export class CidrTable<T> {
  private readonly entries: { range: CidrRange | null; value: T }[] = [];
  private readonly byKey = new Map<string, T>();

  /** The value under `range` (null = any address), created with `make` on first use. */
  getOrCreate(range: CidrRange | null, make: () => T): T {
    const key = range === null ? '' : range.key;
    let v = this.byKey.get(key);
    if (v === undefined) {
      v = make();
      this.byKey.set(key, v);
      this.entries.push({ range, value: v });
    }
    return v;
  }

  /** The value of the most specific range holding `ip`, or undefined. */
  find(ip: string): T | undefined {
    const family = isIP(ip);
    let best: T | undefined;
    let bestLen = -1;
    for (const e of this.entries) {
      if (e.range === null) {
        if (bestLen < 0) {
          best = e.value;
          bestLen = 0;
        }
      } else if (e.range.prefixLen > bestLen && family !== 0 && e.range.contains(ip, family as 4 | 6)) {
        best = e.value;
        bestLen = e.range.prefixLen;
      }
    }
    return best;
  }

  values(): Iterable<T> {
    return this.byKey.values();
  }
}
