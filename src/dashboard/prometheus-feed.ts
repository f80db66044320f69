// The dashboard's metrics from a real Prometheus (`strait up --addons` runs one when it is on PATH): its HTTP query
// API's raw samples of Istio's standard metrics into the store, the series named as the dashboard's own scraper names them.
import { KEPT_METRICS } from './scraper.js';
import type { Tsdb } from './tsdb.js';

/** The labels Prometheus' scrape adds (its job, and the envoy-stats targets' namespace, pod, app and version); its `instance` stays. */
const TARGET_LABELS = new Set(['__name__', 'job', 'namespace', 'pod', 'app', 'version']);

interface MatrixAnswer { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } }

export class PrometheusFeed {
  /** Whether the first query (the whole retention window) was answered. */
  private filled = false;

  constructor(private readonly db: Tsdb, private readonly o: { retentionMs: number; timeoutMs: number }) {}

  /**
   * Adds the samples Prometheus at `url` has taken since the last pull (at first, over the whole retention window),
   * each series' newer than its last one. False, with nothing added, when Prometheus does not answer as it should.
   */
  async pull(url: string, now: number): Promise<boolean> {
    const window = this.filled ? '1m' : `${Math.round(this.o.retentionMs / 1000)}s`;
    const query = `{__name__=~"${[...KEPT_METRICS].join('|')}"}[${window}]`;
    let answer: MatrixAnswer;
    try {
      const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query, time: String(now / 1000) })}`, { signal: AbortSignal.timeout(this.o.timeoutMs) });
      answer = await r.json() as MatrixAnswer;
      if (r.status !== 200 || answer.status !== 'success' || answer.data?.resultType !== 'matrix') return false;
    } catch {
      return false;
    }
    // Every scrape of a target stamps all its series alike: its scrape times, to start a new series from 0 at the scrape
    // before its first sample (its counter was 0 then), as the scraper does, so the first requests of a new response
    // code count at once rather than a scrape later.
    const scrapes = new Map<string, Set<number>>();
    for (const { metric, values } of answer.data.result) {
      const instance = metric['instance'] ?? '';
      const times = scrapes.get(instance) ?? new Set();
      scrapes.set(instance, times);
      for (const [t] of values) times.add(t * 1000);
    }
    for (const { metric, values } of answer.data.result) {
      const name = metric['__name__'];
      if (name === undefined || values.length === 0) continue;
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(metric)) if (!TARGET_LABELS.has(k)) labels[k] = v;
      if (!this.db.has(name, labels)) {
        const first = values[0]![0] * 1000;
        let before = -Infinity;
        for (const t of scrapes.get(metric['instance'] ?? '') ?? []) if (t < first && t > before) before = t;
        if (before > -Infinity) this.db.add(name, labels, before, 0);
      }
      const last = this.db.lastTime(name, labels);
      for (const [t, v] of values) if (t * 1000 > last) this.db.add(name, labels, t * 1000, Number(v));
    }
    this.filled = true;
    return true;
  }
}
