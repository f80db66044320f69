// The stats store: counters, gauges and histograms with Envoy's dotted names.
// Handles are resolved once at config time; the hot path only increments fields.
import { approxQuantiles, binLower, binOfValue, sortedBins, type BinCode } from './histogram-bins.js';
import { taggedStatName, type StatTags } from './tagged.js';

/** A monotonically increasing count. */
export class Counter {
  value = 0;
  /** Set once the counter has ever been incremented (for `?usedonly`). */
  used = false;
  constructor(readonly name: string) {}
  inc(n = 1): void {
    this.value += n;
    this.used = true;
  }
}

/** How a gauge combines across workers: summed, or kept from the primary only. */
export type GaugeImport = 'accumulate' | 'never';

/** A value that goes up and down. */
export class Gauge {
  value = 0;
  used = false;
  constructor(readonly name: string, readonly importMode: GaugeImport = 'accumulate') {}
  set(v: number): void {
    this.value = v;
    this.used = true;
  }
  inc(n = 1): void {
    this.value += n;
    this.used = true;
  }
  dec(n = 1): void {
    this.value -= n;
    this.used = true;
  }
}

/** The unit a histogram records in (Envoy prints milliseconds for *_time). */
export type HistogramUnit = 'milliseconds' | 'bytes' | 'unspecified';

/** Maps a value to its bin's lower bound (two significant digits, as Envoy's circllhist). */
export function binOf(v: number): number {
  return binLower(binOfValue(v));
}

/** Recorded values kept as bin code -> count (see histogram-bins.ts), since start and per interval. */
export class Histogram {
  used = false;
  /** Bins since start. */
  readonly cumulative = new Map<BinCode, number>();
  /** Bins of the interval still open (since the last flush). */
  interval = new Map<BinCode, number>();
  /** Bins of the last completed interval: what the admin shows as "interval", as Envoy does. */
  lastInterval = new Map<BinCode, number>();
  count = 0;
  sum = 0;
  constructor(readonly name: string, readonly unit: HistogramUnit = 'milliseconds') {}

  record(v: number): void {
    const b = binOfValue(v);
    this.cumulative.set(b, (this.cumulative.get(b) ?? 0) + 1);
    this.interval.set(b, (this.interval.get(b) ?? 0) + 1);
    this.count++;
    this.sum += v;
    this.used = true;
  }

  /** Closes the current interval (Envoy flushes stats every 5 s). */
  flushInterval(): void {
    this.lastInterval = this.interval;
    this.interval = new Map();
  }
}

/** Computes quantile `q` (0..1) over a bin map, interpolated as Envoy does; NaN when empty. */
export function quantile(bins: Map<BinCode, number>, q: number): number {
  return approxQuantiles(sortedBins(bins), [q])[0];
}

/** Every stat of one proxy process, by full name. */
export class StatsStore {
  readonly counters = new Map<string, Counter>();
  readonly gauges = new Map<string, Gauge>();
  readonly histograms = new Map<string, Histogram>();
  /** Text readouts (`name: "value"`), e.g. server.version. */
  readonly textReadouts = new Map<string, string>();
  /** Stats made with explicit tags: full name -> tag-extracted name and tags (no regex extraction). */
  readonly tagged = new Map<string, StatTags>();

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) {
      c = new Counter(name);
      this.counters.set(name, c);
    }
    return c;
  }

  gauge(name: string, importMode: GaugeImport = 'accumulate'): Gauge {
    let g = this.gauges.get(name);
    if (!g) {
      g = new Gauge(name, importMode);
      this.gauges.set(name, g);
    }
    return g;
  }

  histogram(name: string, unit: HistogramUnit = 'milliseconds'): Histogram {
    let h = this.histograms.get(name);
    if (!h) {
      h = new Histogram(name, unit);
      this.histograms.set(name, h);
    }
    return h;
  }

  /** A counter with explicit tags, named `name.tag1.value1.tag2.value2...` as Envoy joins them. */
  counterWithTags(name: string, tags: StatTags['tags']): Counter {
    return this.counter(this.defineTagged(name, tags));
  }

  /** A histogram with explicit tags (see counterWithTags). */
  histogramWithTags(name: string, tags: StatTags['tags'], unit: HistogramUnit = 'milliseconds'): Histogram {
    return this.histogram(this.defineTagged(name, tags), unit);
  }

  private defineTagged(name: string, tags: StatTags['tags']): string {
    const full = taggedStatName(name, tags);
    if (!this.tagged.has(full)) this.tagged.set(full, { name, tags });
    return full;
  }

  /** A view that prefixes every name with `prefix.`. */
  scope(prefix: string): Scope {
    return new Scope(this, prefix);
  }

  /** POST /reset_counters: every counter back to zero. */
  resetCounters(): void {
    for (const c of this.counters.values()) c.value = 0;
  }

  flushIntervals(): void {
    for (const h of this.histograms.values()) h.flushInterval();
  }
}

/** A name prefix over a store (`cluster.foo`), as Envoy's stats scopes. */
export class Scope {
  constructor(readonly store: StatsStore, readonly prefix: string) {}
  counter(name: string): Counter {
    return this.store.counter(`${this.prefix}.${name}`);
  }
  gauge(name: string, importMode: GaugeImport = 'accumulate'): Gauge {
    return this.store.gauge(`${this.prefix}.${name}`, importMode);
  }
  histogram(name: string, unit: HistogramUnit = 'milliseconds'): Histogram {
    return this.store.histogram(`${this.prefix}.${name}`, unit);
  }
  scope(prefix: string): Scope {
    return new Scope(this.store, `${this.prefix}.${prefix}`);
  }
}
