// `/stats` plain text as Envoy prints it: text readouts, then counters and gauges merged and
// sorted, then histograms with `P0(interval,cumulative) ... P100(...)` or bucket summaries.
import {
  DEFAULT_BUCKETS, SUPPORTED_QUANTILES, approxQuantiles, binLower, binWidth, countsBelow, disjointCounts,
  type Bins,
} from './histogram-bins.js';
import { fmtDouble, formatG } from './number-format.js';
import type { HistogramSnapshot, StatsSnapshot } from './snapshot.js';
import { selectStats, type StatsParams } from './stats-params.js';

/** `P0(i,c) P25(i,c) ...`: interval and cumulative quantiles. */
export function quantileSummary(h: HistogramSnapshot): string {
  const iq = approxQuantiles(h.interval);
  const cq = approxQuantiles(h.cumulative);
  return SUPPORTED_QUANTILES.map((q, i) => `P${formatG(100 * q)}(${fmtDouble(iq[i])},${fmtDouble(cq[i])})`).join(' ');
}

/** `B0.5(i,c) B1(i,c) ...`: running counts per bucket, or per-bucket counts when disjoint. */
export function bucketSummary(h: HistogramSnapshot, disjoint: boolean, buckets = DEFAULT_BUCKETS): string {
  let iv = countsBelow(h.interval, buckets);
  let cv = countsBelow(h.cumulative, buckets);
  if (disjoint) {
    iv = disjointCounts(iv);
    cv = disjointCounts(cv);
  }
  return buckets.map((b, i) => `B${formatG(b)}(${iv[i]},${cv[i]})`).join(' ');
}

function detail(bins: Bins): string {
  return bins.map(([code, n]) => `${formatG(binLower(code))},${formatG(binWidth(code))}:${n}`).join(', ');
}

function histogramLine(name: string, h: HistogramSnapshot, p: StatsParams, buckets: readonly number[]): string {
  if (!h.used) return `${name}: No recorded values\n`;
  switch (p.histogramBuckets) {
    case 'cumulative':
      return `${name}: ${bucketSummary(h, false, buckets)}\n`;
    case 'disjoint':
      return `${name}: ${bucketSummary(h, true, buckets)}\n`;
    case 'detailed':
      return `${name}:\n  totals=${detail(h.cumulative)}\n  intervals=${detail(h.interval)}\n  summary=${quantileSummary(h)}\n`;
    default:
      return `${name}: ${quantileSummary(h)}\n`;
  }
}

/** Renders `/stats` as text. */
export function renderStatsText(snap: StatsSnapshot, p: StatsParams, buckets: readonly number[] = DEFAULT_BUCKETS): string {
  const sel = selectStats(snap, p);
  const out: string[] = [];
  for (const [n, v] of sel.textReadouts) out.push(`${n}: "${v}"\n`);
  for (const [n, v] of sel.numbers) out.push(`${n}: ${v}\n`);
  for (const [n, h] of sel.histograms) out.push(histogramLine(n, h, p, buckets));
  return out.join('');
}
