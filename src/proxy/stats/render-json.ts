// `/stats?format=json` in Envoy's shape: {"stats":[{"name","value"}..., {"histograms":{...}}]},
// numbers as Envoy's JSON streamer prints them (%g, NaN as null), compact.
import {
  DEFAULT_BUCKETS, SUPPORTED_QUANTILES, approxQuantiles, binLower, binWidth, countsBelow, disjointCounts,
  type Bins,
} from './histogram-bins.js';
import { formatG } from './number-format.js';
import type { HistogramSnapshot, StatsSnapshot } from './snapshot.js';
import { selectStats, type StatsParams } from './stats-params.js';

function num(v: number): string {
  return Number.isNaN(v) ? 'null' : formatG(v);
}

function str(s: string): string {
  return JSON.stringify(s);
}

function supported(): string {
  return `[${SUPPORTED_QUANTILES.map((q) => formatG(q * 100)).join(',')}]`;
}

function percentiles(h: HistogramSnapshot): string {
  const cq = approxQuantiles(h.cumulative);
  const iq = approxQuantiles(h.interval);
  return `[${cq.map((c, i) => `{"cumulative":${num(c)},"interval":${num(iq[i])}}`).join(',')}]`;
}

function buckets(h: HistogramSnapshot, disjoint: boolean, bounds: readonly number[]): string {
  let iv = countsBelow(h.interval, bounds);
  let cv = countsBelow(h.cumulative, bounds);
  if (disjoint) {
    iv = disjointCounts(iv);
    cv = disjointCounts(cv);
  }
  return `[${bounds.map((b, i) => `{"upper_bound":${num(b)},"interval":${iv[i]},"cumulative":${cv[i]}}`).join(',')}]`;
}

function details(bins: Bins): string {
  return `[${bins.map(([c, n]) => `{"lower_bound":${num(binLower(c))},"width":${num(binWidth(c))},"count":${n}}`).join(',')}]`;
}

function histogramsEntry(list: [string, HistogramSnapshot][], p: StatsParams, bounds: readonly number[]): string {
  switch (p.histogramBuckets) {
    case 'cumulative':
    case 'disjoint': {
      const d = p.histogramBuckets === 'disjoint';
      return `{"histograms":[${list.map(([n, h]) => `{"name":${str(n)},"buckets":${buckets(h, d, bounds)}}`).join(',')}]}`;
    }
    case 'detailed': {
      const items = list.map(([n, h]) => `{"name":${str(n)},"totals":${details(h.cumulative)},` +
        `"intervals":${details(h.interval)},"percentiles":${percentiles(h)}}`);
      return `{"histograms":{"supported_percentiles":${supported()},"details":[${items.join(',')}]}}`;
    }
    default: {
      const items = list.map(([n, h]) => `{"name":${str(n)},"values":${percentiles(h)}}`);
      return `{"histograms":{"supported_quantiles":${supported()},"computed_quantiles":[${items.join(',')}]}}`;
    }
  }
}

/** Renders `/stats?format=json`. */
export function renderStatsJson(snap: StatsSnapshot, p: StatsParams, bounds: readonly number[] = DEFAULT_BUCKETS): string {
  const sel = selectStats(snap, p);
  const entries: string[] = [];
  for (const [n, v] of sel.textReadouts) entries.push(`{"name":${str(n)},"value":${str(v)}}`);
  for (const [n, v] of sel.numbers) entries.push(`{"name":${str(n)},"value":${v}}`);
  if (sel.histograms.length > 0) entries.push(histogramsEntry(sel.histograms, p, bounds));
  return `{"stats":[${entries.join(',')}]}`;
}
