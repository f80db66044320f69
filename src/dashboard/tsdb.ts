// The dashboard's small in-memory time-series store: one ring buffer of (time, value) per series,
// a fixed number of points each and a cap on series, so memory stays bounded however long the mesh runs.

export type Labels = Readonly<Record<string, string>>;

/** One series: its labels and its last `capacity` samples, oldest first when read. */
export class Series {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly name: string, readonly labels: Labels, capacity: number) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  add(timeMs: number, value: number): void {
    this.times[this.next] = timeMs;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.times.length;
    this.count = Math.min(this.count + 1, this.times.length);
  }

  get lastTime(): number { return this.count === 0 ? -Infinity : this.times[(this.next - 1 + this.times.length) % this.times.length]!; }

  /** The samples with fromMs <= time <= toMs, oldest first. */
  points(fromMs = -Infinity, toMs = Infinity): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const cap = this.times.length;
    for (let k = 0; k < this.count; k++) {
      const j = (this.next - this.count + k + cap) % cap;
      const t = this.times[j]!;
      if (t >= fromMs && t <= toMs) out.push([t, this.values[j]!]);
    }
    return out;
  }
}

/** A counter's increase over the samples in [fromMs, toMs], counting a drop as a restart from zero (as Prometheus' increase). */
export function counterIncrease(points: ReadonlyArray<readonly [number, number]>): number {
  let inc = 0;
  for (let i = 1; i < points.length; i++) {
    const d = points[i]![1] - points[i - 1]![1];
    inc += d >= 0 ? d : points[i]![1];
  }
  return inc;
}

export interface TsdbOptions {
  /** Points kept per series (at a 2 s scrape, 1800 = one hour). */
  capacity: number;
  /** Series kept at most; samples of further new series are dropped (and counted). */
  maxSeries: number;
}

const keyOf = (name: string, labels: Labels): string =>
  `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;

export class Tsdb {
  private readonly series = new Map<string, Series>();
  private readonly byName = new Map<string, Set<Series>>();
  /** Samples dropped because the store was full. */
  dropped = 0;

  constructor(readonly o: TsdbOptions) {}

  get size(): number { return this.series.size; }

  has(name: string, labels: Labels): boolean { return this.series.has(keyOf(name, labels)); }

  /** The time of a series' last sample (-Infinity for none). */
  lastTime(name: string, labels: Labels): number { return this.series.get(keyOf(name, labels))?.lastTime ?? -Infinity; }

  add(name: string, labels: Labels, timeMs: number, value: number): void {
    const key = keyOf(name, labels);
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= this.o.maxSeries) {
        this.dropped++;
        return;
      }
      s = new Series(name, { ...labels }, this.o.capacity);
      this.series.set(key, s);
      let set = this.byName.get(name);
      if (!set) this.byName.set(name, set = new Set());
      set.add(s);
    }
    s.add(timeMs, value);
  }

  /** The series of a metric whose labels `match` accepts. */
  select(name: string, match: (l: Labels) => boolean = () => true): Series[] {
    return [...this.byName.get(name) ?? []].filter((s) => match(s.labels));
  }

  /** Forgets series with no sample since `beforeMs` (a pod that went away). */
  evictOlderThan(beforeMs: number): void {
    for (const [key, s] of this.series) {
      if (s.lastTime >= beforeMs) continue;
      this.series.delete(key);
      this.byName.get(s.name)?.delete(s);
    }
  }
}
