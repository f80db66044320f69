// The query parameters of `/stats` (and `/stats/prometheus`), parsed with Envoy's error bodies,
// and the selection of stats they describe (filter, usedonly, type), sorted as Envoy lists them.
import type { HistogramSnapshot, StatsSnapshot } from './snapshot.js';
import { Re2 } from '../util/re2.js';

/** Envoy's `type=` values. */
export type StatsType = 'All' | 'Counters' | 'Gauges' | 'Histograms' | 'TextReadouts';
/** Envoy's `histogram_buckets=` values. */
export type HistogramBucketsMode = 'none' | 'cumulative' | 'disjoint' | 'detailed' | 'summary';

/** Parsed `/stats` options. */
export interface StatsParams {
  usedOnly: boolean;
  /** RE2, matched anywhere in the stat name (RE2::PartialMatch), as Envoy's. */
  filter?: Re2;
  format: 'text' | 'json' | 'prometheus';
  type: StatsType;
  histogramBuckets: HistogramBucketsMode;
  /** Prometheus only: export text readouts as gauges. */
  textReadouts: boolean;
}

/** A parse result: params, or Envoy's 400 body. */
export type StatsParamsResult = { ok: true; params: StatsParams } | { ok: false; body: string };

const TYPES: readonly StatsType[] = ['All', 'Counters', 'Gauges', 'Histograms', 'TextReadouts'];
const BUCKET_MODES: readonly HistogramBucketsMode[] = ['none', 'cumulative', 'disjoint', 'detailed', 'summary'];

/** Parses the query (first value per key) as Envoy's StatsParams::parse. */
export function parseStatsParams(query: ReadonlyMap<string, string>): StatsParamsResult {
  const params: StatsParams = {
    usedOnly: query.has('usedonly'),
    format: 'text',
    type: 'All',
    histogramBuckets: 'none',
    textReadouts: query.has('text_readouts'),
  };
  const filter = query.get('filter');
  if (filter !== undefined) {
    try {
      params.filter = Re2.compile(filter);
    } catch {
      return { ok: false, body: 'Invalid re2 regex' };
    }
  }
  const buckets = query.get('histogram_buckets');
  if (buckets) {
    if (!BUCKET_MODES.includes(buckets as HistogramBucketsMode)) {
      return { ok: false, body: 'usage: /stats?histogram_buckets=(cumulative|disjoint|none)\n' };
    }
    params.histogramBuckets = buckets as HistogramBucketsMode;
  }
  const type = query.get('type');
  if (type !== undefined) {
    if (!TYPES.includes(type as StatsType)) return { ok: false, body: 'invalid &type= param' };
    params.type = type as StatsType;
  }
  const format = query.get('format');
  if (format) {
    if (format === 'text' || format === 'json' || format === 'prometheus') params.format = format;
    else if (format === 'html' || format === 'active-html') {
      return { ok: false, body: 'HTML output was disabled by building with --define=admin_html=disabled' };
    } else return { ok: false, body: 'usage: /stats?format=(html|active-html|json|prometheus|text)\n\n' };
  }
  return { ok: true, params };
}

/** The stats one `/stats` request shows, each list sorted by name. */
export interface SelectedStats {
  textReadouts: [string, string][];
  /** Counters and gauges together, as Envoy merges them. */
  numbers: [string, number][];
  histograms: [string, HistogramSnapshot][];
}

function byName<T extends [string, ...unknown[]]>(a: T, b: T): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Applies type, usedonly and filter to a snapshot. */
export function selectStats(snap: StatsSnapshot, p: StatsParams): SelectedStats {
  const show = (name: string, used: boolean): boolean =>
    (!p.usedOnly || used) && (p.filter === undefined || p.filter.partialMatchText(name));
  const all = p.type === 'All';
  const out: SelectedStats = { textReadouts: [], numbers: [], histograms: [] };
  if (all || p.type === 'TextReadouts') {
    for (const [n, v] of snap.textReadouts) if (show(n, true)) out.textReadouts.push([n, v]);
  }
  if (all || p.type === 'Counters') for (const [n, v, u] of snap.counters) if (show(n, u)) out.numbers.push([n, v]);
  if (all || p.type === 'Gauges') for (const [n, v, u] of snap.gauges) if (show(n, u)) out.numbers.push([n, v]);
  if (all || p.type === 'Histograms') {
    for (const [n, h] of snap.histograms) if (show(n, h.used)) out.histograms.push([n, h]);
  }
  out.textReadouts.sort(byName);
  out.numbers.sort(byName);
  out.histograms.sort(byName);
  return out;
}
