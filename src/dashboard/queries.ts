// PromQL's rate() and histogram_quantile() over the dashboard's store, as the few functions the graph
// and the golden signals need: summed per-second rates and quantiles from Istio's duration buckets.
import { counterIncrease, type Labels, type Series, type Tsdb } from './tsdb.js';

/** A series' per-second rate over [fromMs, toMs]: its increase over the time its samples cover (0 with fewer than two). */
export function seriesRate(s: Series, fromMs: number, toMs: number): number {
  const p = s.points(fromMs, toMs);
  if (p.length < 2) return 0;
  const span = (p[p.length - 1]![0] - p[0]![0]) / 1000;
  return span > 0 ? counterIncrease(p) / span : 0;
}

/** sum(rate(name{match}[window])) by key: rates summed per group key. */
export function ratesBy(db: Tsdb, name: string, match: (l: Labels) => boolean, key: (l: Labels) => string,
  fromMs: number, toMs: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of db.select(name, match)) {
    const k = key(s.labels);
    out.set(k, (out.get(k) ?? 0) + seriesRate(s, fromMs, toMs));
  }
  return out;
}

/** One bucket: its upper bound `le` and the (cumulative) count up to it. */
export interface Bucket { le: number; count: number }

/** Prometheus' histogram_quantile over cumulative buckets: linear interpolation inside the bucket the rank falls in. */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  const b = [...buckets].sort((x, y) => x.le - y.le);
  if (b.length < 2 || b[b.length - 1]!.le !== Infinity) return NaN;
  const total = b[b.length - 1]!.count;
  if (total === 0) return NaN;
  const rank = q * total;
  const i = b.findIndex((x) => x.count >= rank);
  if (i === b.length - 1) return b[b.length - 2]!.le; // in the +Inf bucket: the highest finite bound
  const lower = i === 0 ? 0 : b[i - 1]!.le;
  const below = i === 0 ? 0 : b[i - 1]!.count;
  const inBucket = b[i]!.count - below;
  return inBucket === 0 ? b[i]!.le : lower + (b[i]!.le - lower) * ((rank - below) / inBucket);
}

/** histogram_quantile(q, sum(rate(name_bucket{match}[window])) by (le)) for each group key. */
export function quantilesBy(db: Tsdb, bucketName: string, qs: readonly number[], match: (l: Labels) => boolean,
  key: (l: Labels) => string, fromMs: number, toMs: number): Map<string, number[]> {
  const groups = new Map<string, Map<number, number>>();
  for (const s of db.select(bucketName, match)) {
    const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
    if (Number.isNaN(le)) continue;
    const k = key(s.labels);
    let g = groups.get(k);
    if (!g) groups.set(k, g = new Map());
    g.set(le, (g.get(le) ?? 0) + seriesRate(s, fromMs, toMs));
  }
  const out = new Map<string, number[]>();
  for (const [k, g] of groups) {
    const buckets = [...g].map(([le, count]) => ({ le, count }));
    out.set(k, qs.map((q) => histogramQuantile(q, buckets)));
  }
  return out;
}
