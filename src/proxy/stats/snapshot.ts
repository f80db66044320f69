// A serialisable copy of a stats store, and the merge of several (one per worker process),
// so the admin can render the sum of all workers as Envoy shows one process's stats.
import type { BinCode } from './histogram-bins.js';
import { StatsStore, type GaugeImport, type HistogramUnit } from './store.js';
import type { StatTags } from './tagged.js';

/** One histogram's bins as ascending [code, count] pairs. */
export interface HistogramSnapshot {
  unit: HistogramUnit;
  used: boolean;
  cumulative: [BinCode, number][];
  /** The last completed interval. */
  interval: [BinCode, number][];
}

/** Plain-data stats of one store (or the merge of several); survives JSON and structured clone. */
export interface StatsSnapshot {
  counters: [name: string, value: number, used: boolean][];
  gauges: [name: string, value: number, used: boolean, importMode: GaugeImport][];
  histograms: [name: string, histogram: HistogramSnapshot][];
  textReadouts: [name: string, value: string][];
  /** Stats made with explicit tags: full name -> tag-extracted name and tags. */
  tagged?: [name: string, tags: StatTags][];
}

/** What the renderers accept: a live store or a snapshot. */
export type StatsSource = StatsStore | StatsSnapshot;

function pairs(map: ReadonlyMap<BinCode, number>): [BinCode, number][] {
  return [...map.entries()].sort((a, b) => a[0] - b[0]);
}

/** Copies a store's current values: of every stat, or of those whose name `keep` accepts. */
export function snapshot(store: StatsStore, keep: (name: string) => boolean = () => true): StatsSnapshot {
  const out: StatsSnapshot = { counters: [], gauges: [], histograms: [], textReadouts: [] };
  for (const c of store.counters.values()) if (keep(c.name)) out.counters.push([c.name, c.value, c.used]);
  for (const g of store.gauges.values()) if (keep(g.name)) out.gauges.push([g.name, g.value, g.used, g.importMode]);
  for (const h of store.histograms.values()) {
    if (!keep(h.name)) continue;
    out.histograms.push([h.name, { unit: h.unit, used: h.used, cumulative: pairs(h.cumulative),
      interval: pairs(h.lastInterval) }]);
  }
  for (const [name, value] of store.textReadouts) if (keep(name)) out.textReadouts.push([name, value]);
  if (store.tagged.size > 0) out.tagged = [...store.tagged].filter(([name]) => keep(name));
  return out;
}

/** A snapshot of the source (itself when it already is one); `keep` may leave stats out of a copy. */
export function toSnapshot(source: StatsSource, keep?: (name: string) => boolean): StatsSnapshot {
  return source instanceof StatsStore ? snapshot(source, keep) : source;
}

function addBins(into: Map<BinCode, number>, bins: readonly (readonly [BinCode, number])[]): void {
  for (const [code, n] of bins) into.set(code, (into.get(code) ?? 0) + n);
}

/**
 * Sums snapshots: counters, accumulating gauges and histogram bins add up; gauges that never
 * import (server.uptime, server.state ...) and text readouts keep the first snapshot's value.
 */
export function mergeSnapshots(list: readonly StatsSnapshot[]): StatsSnapshot {
  const counters = new Map<string, [string, number, boolean]>();
  const gauges = new Map<string, [string, number, boolean, GaugeImport]>();
  const hists = new Map<string, { unit: HistogramUnit; used: boolean; cum: Map<BinCode, number>; int: Map<BinCode, number> }>();
  const texts = new Map<string, string>();
  const tagged = new Map<string, StatTags>();
  for (const snap of list) {
    for (const [name, t] of snap.tagged ?? []) if (!tagged.has(name)) tagged.set(name, t);
    for (const [name, value, used] of snap.counters) {
      const c = counters.get(name);
      if (c === undefined) counters.set(name, [name, value, used]);
      else {
        c[1] += value;
        c[2] ||= used;
      }
    }
    for (const [name, value, used, mode] of snap.gauges) {
      const g = gauges.get(name);
      if (g === undefined) gauges.set(name, [name, value, used, mode]);
      else {
        if (g[3] === 'accumulate') g[1] += value;
        g[2] ||= used;
      }
    }
    for (const [name, h] of snap.histograms) {
      let m = hists.get(name);
      if (m === undefined) {
        m = { unit: h.unit, used: false, cum: new Map(), int: new Map() };
        hists.set(name, m);
      }
      m.used ||= h.used;
      addBins(m.cum, h.cumulative);
      addBins(m.int, h.interval);
    }
    for (const [name, value] of snap.textReadouts) if (!texts.has(name)) texts.set(name, value);
  }
  return {
    counters: [...counters.values()],
    gauges: [...gauges.values()],
    histograms: [...hists].map(([name, m]) => [name,
      { unit: m.unit, used: m.used, cumulative: pairs(m.cum), interval: pairs(m.int) }]),
    textReadouts: [...texts],
    ...(tagged.size > 0 ? { tagged: [...tagged] } : {}),
  };
}
