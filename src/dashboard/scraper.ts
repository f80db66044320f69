// The dashboard's scraper: every few seconds, each proxy's /stats/prometheus (port 15090) into the store,
// keeping Istio's standard request and TCP metrics only; series of pods gone for an hour are forgotten.
import { parsePrometheusText } from './prom-text.js';
import type { Tsdb } from './tsdb.js';

/** The metrics the graph and the signals read. */
export const KEPT_METRICS = new Set(['istio_requests_total', 'istio_request_duration_milliseconds_bucket',
  'istio_tcp_sent_bytes_total', 'istio_tcp_received_bytes_total']);

/** A proxy's stats URL. */
export interface ScrapeTarget { url: string }

export class Scraper {
  private timer?: NodeJS.Timeout;
  /** When each target was last scraped (a series first seen after that starts from 0 then: its counter was 0). */
  private readonly lastScrape = new Map<string, number>();
  private running?: Promise<void>;

  constructor(private readonly db: Tsdb, private readonly targets: () => readonly ScrapeTarget[],
    private readonly o: { intervalMs: number; retentionMs: number; timeoutMs: number }) {}

  start(): void {
    this.timer = setInterval(() => { if (!this.running) this.running = this.scrapeAll().finally(() => { this.running = undefined; }); }, this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round over every target (exported for tests). */
  async scrapeAll(now = Date.now()): Promise<void> {
    const targets = this.targets();
    await Promise.all(targets.map((t) => this.scrape(t, now)));
    for (const url of this.lastScrape.keys()) if (!targets.some((t) => t.url === url)) this.lastScrape.delete(url);
    this.db.evictOlderThan(now - this.o.retentionMs);
  }

  private async scrape(t: ScrapeTarget, now: number): Promise<void> {
    let text: string;
    try {
      const r = await fetch(t.url, { signal: AbortSignal.timeout(this.o.timeoutMs) });
      if (r.status !== 200) return;
      text = await r.text();
    } catch {
      return; // a pod starting or going away: its next scrape counts
    }
    const prev = this.lastScrape.get(t.url);
    for (const s of parsePrometheusText(text, (n) => KEPT_METRICS.has(n))) {
      if (prev !== undefined && !this.db.has(s.name, s.labels)) this.db.add(s.name, s.labels, prev, 0);
      this.db.add(s.name, s.labels, now, s.value);
    }
    this.lastScrape.set(t.url, now);
  }
}
