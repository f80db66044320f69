// RING_HASH as Envoy's RingHashLoadBalancer (ketama): each host gets ring entries hashed from
// "<address>_<i>" in proportion to its weight; a request takes the first entry at or after its hash.
import type { Gauge } from '../../stats/store.js';
import type { HostImpl } from '../host.js';
import { murmurHash2Bytes, xxHash64Bytes } from './hash64.js';
import { random32, type HashPicker, type HashPickerFactory } from './types.js';

/** Envoy's default ring_hash_lb_config.minimum_ring_size. */
export const DEFAULT_MIN_RING_SIZE = 1024;
/** Envoy's default (and largest allowed) maximum_ring_size. */
export const DEFAULT_MAX_RING_SIZE = 8 * 1024 * 1024;

/** How a ring is built. */
export interface RingHashSettings {
  readonly minRingSize: number;
  readonly maxRingSize: number;
  /** hash_function MURMUR_HASH_2 instead of XX_HASH. */
  readonly murmur: boolean;
  /** consistent_hashing_lb_config.use_hostname_for_hashing. */
  readonly useHostname: boolean;
}

/** Envoy's `cluster.<name>.ring_hash_lb.*` gauges, set by the last ring built. */
export interface RingHashStats {
  readonly size: Gauge;
  readonly min_hashes_per_host: Gauge;
  readonly max_hashes_per_host: Gauge;
}

/** The string a host is placed on the ring (and in the Maglev table) by. */
export function hostHashKey(host: HostImpl, useHostname: boolean): string {
  // Envoy hashes the hostname even when empty; the address keeps such hosts apart.
  return useHostname && host.hostname !== '' ? host.hostname : host.key;
}

/** A sorted ring: entry i has hash (hi[i], lo[i]) and host hosts[i]. */
class RingPicker implements HashPicker {
  constructor(private readonly hi: Uint32Array, private readonly lo: Uint32Array,
    private readonly hosts: readonly HostImpl[]) {}

  pick(): HostImpl {
    return this.pickByHash(random32(), random32(), 0);
  }

  pickByHash(h: number, l: number, attempt: number): HostImpl {
    const his = this.hi;
    const los = this.lo;
    const n = his.length;
    // The first entry whose hash is >= the request's, wrapping to the start (ketama_get_server).
    let a = 0;
    let b = n;
    while (a < b) {
      const m = (a + b) >>> 1;
      const mh = his[m];
      if (mh < h || (mh === h && los[m] < l)) a = m + 1;
      else b = m;
    }
    let i = a === n ? 0 : a;
    // Host selection retries behave as if the entry were not on the ring: take the next ones.
    if (attempt > 0) i = (i + attempt) % n;
    return this.hosts[i];
  }
}

/** Decimal digits of i into b at p; returns the new end. */
function writeDecimal(b: Uint8Array, p: number, i: number): number {
  const s = String(i);
  for (let k = 0; k < s.length; k++) b[p++] = s.charCodeAt(k);
  return p;
}

/** A ring's entries, parallel arrays of length n: hash words and owning host index. */
interface Entries {
  hi: Uint32Array;
  lo: Uint32Array;
  owner: Uint32Array;
}

/** Doubles the entries' capacity. */
function grow(e: Entries): void {
  const size = e.hi.length * 2 + 16;
  const hi = new Uint32Array(size);
  const lo = new Uint32Array(size);
  const owner = new Uint32Array(size);
  hi.set(e.hi);
  lo.set(e.lo);
  owner.set(e.owner);
  e.hi = hi;
  e.lo = lo;
  e.owner = owner;
}

/** Radix digits as (word, shift): bytes, least significant first (few buckets keep writes cache-friendly). */
const DIGITS: readonly (readonly [number, number])[] = [[1, 0], [1, 8], [1, 16], [1, 24], [0, 0], [0, 8], [0, 16], [0, 24]];

/** Sorts the first n entries by hash (hi, lo); an LSD radix sort keeps rings of millions of entries fast. */
function sortEntries(e: Entries, n: number): Entries {
  if (n < 4096) {
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    order.sort((x, y) => (e.hi[x] - e.hi[y]) || (e.lo[x] - e.lo[y]));
    const out = { hi: new Uint32Array(n), lo: new Uint32Array(n), owner: new Uint32Array(n) };
    for (let k = 0; k < n; k++) {
      out.hi[k] = e.hi[order[k]];
      out.lo[k] = e.lo[order[k]];
      out.owner[k] = e.owner[order[k]];
    }
    return out;
  }
  let src: Entries = { hi: e.hi.subarray(0, n), lo: e.lo.subarray(0, n), owner: e.owner.subarray(0, n) };
  let dst: Entries = { hi: new Uint32Array(n), lo: new Uint32Array(n), owner: new Uint32Array(n) };
  const count = new Uint32Array(257);
  // Entries move with their keys so every pass reads sequentially; each pass is stable.
  for (const [word, shift] of DIGITS) {
    const keys = word === 0 ? src.hi : src.lo;
    count.fill(0);
    for (let k = 0; k < n; k++) count[((keys[k] >>> shift) & 0xff) + 1]++;
    for (let d = 1; d <= 256; d++) count[d] += count[d - 1];
    const sh = src.hi, sl = src.lo, so = src.owner, dh = dst.hi, dl = dst.lo, dO = dst.owner;
    for (let k = 0; k < n; k++) {
      const at = count[(keys[k] >>> shift) & 0xff]++;
      dh[at] = sh[k];
      dl[at] = sl[k];
      dO[at] = so[k];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/** Builds Envoy's ring over `hosts` (non-empty); `stats` receives its size and hashes per host. */
export function buildRing(hosts: readonly HostImpl[], settings: RingHashSettings, stats: RingHashStats | null): HashPicker {
  let sum = 0;
  for (const h of hosts) sum += h.weight;
  // Normalized weights add up to 1; the least-weighted host gets a whole number of entries.
  let minWeight = 1;
  for (const h of hosts) minWeight = Math.min(minWeight, h.weight / sum);
  const scale = Math.min(Math.ceil(minWeight * settings.minRingSize) / minWeight, settings.maxRingSize);
  const ringSize = Math.ceil(scale);

  // Running sums may round one entry past ringSize; grow() covers any further surprise.
  const capacity = ringSize + hosts.length;
  const entries: Entries = { hi: new Uint32Array(capacity), lo: new Uint32Array(capacity), owner: new Uint32Array(capacity) };
  const out = new Uint32Array(2);
  let buf = new Uint8Array(64);
  let n = 0;
  let current = 0;
  let target = 0;
  let minHashes = ringSize;
  let maxHashes = 0;
  for (let owner = 0; owner < hosts.length; owner++) {
    const key = Buffer.from(`${hostHashKey(hosts[owner], settings.useHostname)}_`, 'utf8');
    if (key.length + 16 > buf.length) buf = new Uint8Array(key.length + 16);
    buf.set(key, 0);
    // Running sums keep the ring stable when per-host counts are fractional.
    target += scale * (hosts[owner].weight / sum);
    let i = 0;
    while (current < target) {
      if (n === entries.hi.length) grow(entries);
      const len = writeDecimal(buf, key.length, i);
      if (settings.murmur) murmurHash2Bytes(buf, len, out);
      else xxHash64Bytes(buf, len, 0, 0, out);
      entries.hi[n] = out[0];
      entries.lo[n] = out[1];
      entries.owner[n] = owner;
      n++;
      i++;
      current++;
    }
    minHashes = Math.min(minHashes, i);
    maxHashes = Math.max(maxHashes, i);
  }

  const sorted = sortEntries(entries, n);
  const ringHosts: HostImpl[] = new Array<HostImpl>(n);
  for (let k = 0; k < n; k++) ringHosts[k] = hosts[sorted.owner[k]];
  if (stats !== null) {
    stats.size.set(ringSize);
    stats.min_hashes_per_host.set(minHashes);
    stats.max_hashes_per_host.set(maxHashes);
  }
  return new RingPicker(sorted.hi, sorted.lo, ringHosts);
}

/** The RING_HASH picker factory. */
export function ringHashFactory(settings: RingHashSettings, stats: RingHashStats | null): HashPickerFactory {
  const factory = (hosts: readonly HostImpl[]): HashPicker => buildRing(hosts, settings, stats);
  return Object.assign(factory, { consistentHash: true as const });
}
