// The Istio metrics one stats config records into the store (namespace `istiocustom`): each
// metric's labels after its overrides, and one stat handle per distinct label set, cached.
import type { Counter, Histogram, HistogramUnit, StatsStore } from '../stats/store.js';
import type { Tag } from '../stats/tag-extractor.js';
import type { AttributeContext } from './expressions.js';
import type { MetricName, MetricOverrides, StatsPluginConfig } from './stats-config.js';

const NAMESPACE = 'istiocustom';

/** The labels of one metric: the standard ones, overridden, extended and pruned as configured. */
export function applyOverrides(base: readonly Tag[], o: MetricOverrides, ctx: AttributeContext): readonly Tag[] {
  if (o.dimensions.size === 0 && o.tagsToRemove.size === 0) return base;
  const out: Tag[] = [];
  for (const t of base) {
    if (o.tagsToRemove.has(t.name)) continue;
    const expr = o.dimensions.get(t.name);
    out.push(expr === undefined ? t : { name: t.name, value: expr(ctx) ?? 'unknown' });
  }
  const known = new Set(base.map((t) => t.name));
  for (const name of [...o.dimensions.keys()].sort()) {
    if (known.has(name) || o.tagsToRemove.has(name)) continue;
    out.push({ name, value: o.dimensions.get(name)!(ctx) ?? 'unknown' });
  }
  return out;
}

/** Each label list's joined values, so the metrics of one stream sharing its labels join them once. */
const joinedKeys = new WeakMap<readonly Tag[], string>();

function keyOf(tags: readonly Tag[]): string {
  let key = joinedKeys.get(tags);
  if (key === undefined) {
    key = '';
    for (const t of tags) key += `${t.value}\u0001`;
    joinedKeys.set(tags, key);
  }
  return key;
}

/** One metric; the stat for a label set is looked up once, then found by its joined values. */
export class IstioMetric<T> {
  private readonly cache = new Map<string, T>();
  constructor(private readonly overrides: MetricOverrides, private readonly make: (tags: readonly Tag[]) => T) {}

  get(base: readonly Tag[], ctx: AttributeContext): T {
    const tags = applyOverrides(base, this.overrides, ctx);
    const key = keyOf(tags);
    let stat = this.cache.get(key);
    if (stat === undefined) {
      stat = this.make(tags);
      this.cache.set(key, stat);
    }
    return stat;
  }
}

/** The enabled metrics of one config (a dropped metric is null). */
export class IstioMetrics {
  private readonly counters = new Map<MetricName, IstioMetric<Counter>>();
  private readonly histograms = new Map<MetricName, IstioMetric<Histogram>>();

  constructor(private readonly store: StatsStore, readonly config: StatsPluginConfig) {}

  counter(name: MetricName): IstioMetric<Counter> | null {
    return this.metric(this.counters, name, (tags) => this.store.counterWithTags(`${NAMESPACE}.istio_${name}`, tags));
  }

  histogram(name: MetricName, unit: HistogramUnit): IstioMetric<Histogram> | null {
    return this.metric(this.histograms, name,
      (tags) => this.store.histogramWithTags(`${NAMESPACE}.istio_${name}`, tags, unit));
  }

  private metric<T>(map: Map<MetricName, IstioMetric<T>>, name: MetricName, make: (tags: readonly Tag[]) => T): IstioMetric<T> | null {
    const o = this.config.metrics.get(name)!;
    if (o.drop) return null;
    let m = map.get(name);
    if (m === undefined) {
      m = new IstioMetric(o, make);
      map.set(name, m);
    }
    return m;
  }
}
