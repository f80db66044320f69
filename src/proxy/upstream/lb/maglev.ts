// MAGLEV as Envoy's MaglevTable (Google's Maglev paper, listing 1): hosts, sorted by key, fill a
// prime-sized table along their own permutations (offset/skip from two xxHash64s), weight-paced.
import type { Gauge } from '../../stats/store.js';
import type { HostImpl } from '../host.js';
import { mod64, xxHash64Into } from './hash64.js';
import { hostHashKey } from './ring-hash.js';
import { random32, type HashPicker, type HashPickerFactory } from './types.js';

/** Envoy's default table size (the paper's recommendation, a prime). */
export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;

/** Envoy's `cluster.<name>.maglev_lb.*` gauges, set by the last table built. */
export interface MaglevStats {
  readonly min_entries_per_host: Gauge;
  readonly max_entries_per_host: Gauge;
}

/** Whether n is prime (Envoy's Primes::isPrime; table sizes are at most 5000011). */
export function isPrime(n: number): boolean {
  if (n < 2 || !Number.isInteger(n)) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

const TWO32 = 4294967296;

/** A filled table: slot -> host. */
class MaglevPicker implements HashPicker {
  constructor(private readonly table: readonly HostImpl[]) {}

  pick(): HostImpl {
    return this.pickByHash(random32(), random32(), 0);
  }

  pickByHash(h: number, l: number, attempt: number): HostImpl {
    if (attempt > 0) {
      // hash ^= ~0 - attempt + 1: flips most bits so retries land far from the first pick.
      h = (h ^ 0xffffffff) >>> 0;
      l = (l ^ (TWO32 - attempt)) >>> 0;
    }
    return this.table[mod64(h, l, this.table.length)];
  }
}

/** One host while the table is filled. */
interface BuildEntry {
  readonly key: string;
  readonly host: HostImpl;
  readonly offset: number;
  readonly skip: number;
  readonly weight: number;
  target: number;
  next: number;
  count: number;
}

/** Builds Envoy's Maglev table of `tableSize` (a prime) over `hosts` (non-empty). */
export function buildMaglevTable(hosts: readonly HostImpl[], tableSize: number, useHostname: boolean,
  stats: MaglevStats | null): HashPicker {
  if (hosts.length === 1) {
    // Envoy's degenerate table: one host takes every slot.
    stats?.min_entries_per_host.set(1);
    stats?.max_entries_per_host.set(1);
    return new MaglevPicker([hosts[0]]);
  }
  let sum = 0;
  for (const h of hosts) sum += h.weight;
  let maxWeight = 0;
  const out = new Uint32Array(2);
  const entries: BuildEntry[] = hosts.map((host) => {
    const key = hostHashKey(host, useHostname);
    xxHash64Into(key, 0, 0, out);
    const offset = mod64(out[0], out[1], tableSize);
    xxHash64Into(key, 0, 1, out);
    const skip = mod64(out[0], out[1], tableSize - 1) + 1;
    const weight = host.weight / sum;
    maxWeight = Math.max(maxWeight, weight);
    return { key, host, offset, skip, weight, target: 0, next: 0, count: 0 };
  });
  // The fill order must not depend on the order hosts arrive in.
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const slots = new Int32Array(tableSize).fill(-1);
  let filled = 0;
  for (let iteration = 1; filled < tableSize; iteration++) {
    for (let i = 0; i < entries.length && filled < tableSize; i++) {
      const e = entries[i];
      // A host of maxWeight/k takes a slot every k-th iteration.
      if (iteration * e.weight < e.target) continue;
      e.target += maxWeight;
      let c = (e.offset + e.skip * e.next) % tableSize;
      while (slots[c] !== -1) {
        e.next++;
        c = (e.offset + e.skip * e.next) % tableSize;
      }
      slots[c] = i;
      e.next++;
      e.count++;
      filled++;
    }
  }
  const table = new Array<HostImpl>(tableSize);
  for (let k = 0; k < tableSize; k++) table[k] = entries[slots[k]].host;
  if (stats !== null) {
    let min = tableSize;
    let max = 0;
    for (const e of entries) {
      min = Math.min(min, e.count);
      max = Math.max(max, e.count);
    }
    stats.min_entries_per_host.set(min);
    stats.max_entries_per_host.set(max);
  }
  return new MaglevPicker(table);
}

/** The MAGLEV picker factory. */
export function maglevFactory(tableSize: number, useHostname: boolean, stats: MaglevStats | null): HashPickerFactory {
  const factory = (hosts: readonly HostImpl[]): HashPicker => buildMaglevTable(hosts, tableSize, useHostname, stats);
  return Object.assign(factory, { consistentHash: true as const });
}
