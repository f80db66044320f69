// `/stats/prometheus` in Envoy's text exposition (current Envoy: no blank line between families):
// `# TYPE` lines, labels from tag extraction, counters without `_total`, cumulative histogram buckets.
import {
  DEFAULT_BUCKETS, SUPPORTED_QUANTILES, approxQuantiles, approxSum, countsBelow, sampleCount,
} from './histogram-bins.js';
import { fmtDouble, formatG } from './number-format.js';
import type { StatsSnapshot } from './snapshot.js';
import { TagProducer, type Tag } from './tag-extractor.js';
import { stripCustomNamespace, type StatTags } from './tagged.js';
import type { Re2 } from '../util/re2.js';

/** A stat's Prometheus family name and rendered labels (`a="x",b="y"`). */
export interface PrometheusName {
  family: string;
  labels: string;
  /** Sort keys: the tag-extracted and the full name with `.` as `\0`, so `<` compares token by token. */
  familyKey: string;
  statKey: string;
}

/** Replaces every char outside [a-zA-Z0-9_] with `_` (Envoy's sanitizeName). */
export function sanitizeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Escapes a label value as Prometheus' text format requires. */
export function sanitizeValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Renders tags as `name="value"` joined by `,`. */
export function formatTags(tags: readonly Tag[]): string {
  return tags.map((t) => `${sanitizeName(t.name)}="${sanitizeValue(t.value)}"`).join(',');
}

/** Caches each stat's Prometheus name and labels, so a scrape does no tag extraction. */
export class PrometheusNamer {
  private readonly cache = new Map<string, PrometheusName>();
  constructor(readonly producer: TagProducer = new TagProducer()) {}

  /** Names stats that carry explicit tags; one in a custom namespace drops `envoy_` and the namespace. */
  learnTagged(tagged: readonly (readonly [string, StatTags])[]): void {
    for (const [statName, t] of tagged) {
      if (this.cache.has(statName)) continue;
      const custom = stripCustomNamespace(t.name);
      this.cache.set(statName, {
        family: custom !== undefined ? sanitizeName(custom) : `envoy_${sanitizeName(t.name)}`,
        labels: formatTags(t.tags), familyKey: tokenKey(t.name), statKey: tokenKey(statName),
      });
    }
  }

  get(statName: string): PrometheusName {
    let n = this.cache.get(statName);
    if (n === undefined) {
      const { name, tags } = this.producer.produceTags(statName);
      n = { family: `envoy_${sanitizeName(name)}`, labels: formatTags(tags), familyKey: tokenKey(name),
        statKey: tokenKey(statName) };
      this.cache.set(statName, n);
    }
    return n;
  }
}

/** A key whose plain order is Envoy's StatNameLessThan order (token by token). */
function tokenKey(name: string): string {
  return name.replaceAll('.', '\0');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Query options of `/stats/prometheus`. */
export interface PrometheusOptions {
  usedOnly?: boolean;
  /** RE2, matched anywhere in the stat name (RE2::PartialMatch). */
  filter?: Re2;
  /** Also export text readouts as gauges with a `text_value` label. */
  textReadouts?: boolean;
  /** `summary` renders histograms as Prometheus summaries (interval quantiles). */
  histogramType?: 'histogram' | 'summary';
  buckets?: readonly number[];
}

interface Series<T> {
  name: PrometheusName;
  data: T;
}

function groupFamilies<T>(items: Series<T>[]): Series<T>[][] {
  const groups = new Map<string, Series<T>[]>();
  for (const it of items) {
    const g = groups.get(it.name.familyKey);
    if (g) g.push(it);
    else groups.set(it.name.familyKey, [it]);
  }
  const keys = [...groups.keys()].sort(compare);
  return keys.map((k) => groups.get(k)!.sort((a, b) => compare(a.name.statKey, b.name.statKey)));
}

function labelsWith(labels: string): string {
  return labels === '' ? '' : `${labels},`;
}

/** Renders a snapshot in Prometheus text format, exactly as Envoy's admin does. */
export function renderPrometheus(snap: StatsSnapshot, namer: PrometheusNamer, opts: PrometheusOptions = {}): string {
  const show = (name: string, used: boolean): boolean =>
    (!opts.usedOnly || used) && (opts.filter === undefined || opts.filter.partialMatchText(name));
  const out: string[] = [];
  if (snap.tagged !== undefined) namer.learnTagged(snap.tagged);
  const numeric = (list: [string, number, boolean, ...unknown[]][], type: string): void => {
    const items: Series<number>[] = [];
    for (const [stat, value, used] of list) if (show(stat, used)) items.push({ name: namer.get(stat), data: value });
    for (const fam of groupFamilies(items)) {
      out.push(`# TYPE ${fam[0].name.family} ${type}\n`);
      for (const s of fam) out.push(`${s.name.family}{${s.name.labels}} ${s.data}\n`);
    }
  };
  numeric(snap.counters, 'counter');
  numeric(snap.gauges, 'gauge');
  if (opts.textReadouts) {
    const items: Series<string>[] = [];
    for (const [stat, value] of snap.textReadouts) if (show(stat, true)) items.push({ name: namer.get(stat), data: value });
    for (const fam of groupFamilies(items)) {
      out.push(`# TYPE ${fam[0].name.family} gauge\n`);
      for (const s of fam) {
        out.push(`${s.name.family}{${labelsWith(s.name.labels)}text_value="${sanitizeValue(s.data)}"} 0\n`);
      }
    }
  }
  const items: Series<StatsSnapshot['histograms'][number][1]>[] = [];
  for (const [stat, h] of snap.histograms) if (show(stat, h.used)) items.push({ name: namer.get(stat), data: h });
  const buckets = opts.buckets ?? DEFAULT_BUCKETS;
  const le = buckets.map((b) => formatG(b, 32));
  const summary = opts.histogramType === 'summary';
  for (const fam of groupFamilies(items)) {
    const family = fam[0].name.family;
    out.push(`# TYPE ${family} ${summary ? 'summary' : 'histogram'}\n`);
    for (const s of fam) {
      const labels = s.name.labels;
      const bins = summary ? s.data.interval : s.data.cumulative;
      const count = sampleCount(bins);
      if (summary) {
        const qs = approxQuantiles(bins);
        for (let i = 0; i < qs.length; i++) {
          out.push(`${family}{${labelsWith(labels)}quantile="${fmtDouble(SUPPORTED_QUANTILES[i])}"} ${formatG(qs[i], 32)}\n`);
        }
      } else {
        const counts = countsBelow(bins, buckets);
        for (let i = 0; i < buckets.length; i++) {
          out.push(`${family}_bucket{${labelsWith(labels)}le="${le[i]}"} ${counts[i]}\n`);
        }
        out.push(`${family}_bucket{${labelsWith(labels)}le="+Inf"} ${count}\n`);
      }
      out.push(`${family}_sum{${labels}} ${formatG(approxSum(bins), 32)}\n`);
      out.push(`${family}_count{${labels}} ${count}\n`);
    }
  }
  return out.join('');
}
