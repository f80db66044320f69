// The dashboard's scraper: each proxy's /stats/prometheus (port 15090) into the store, keeping Istio's standard request
// and TCP metrics only, labelled with the proxy's `instance` (host:port) as Prometheus labels them (replicas' series apart).
import { getText } from '../proxy/util/http-get.js';
import { parsePrometheusText } from './prom-text.js';
import type { Tsdb } from './tsdb.js';

/** The metrics the graph and the signals read. */
export const KEPT_METRICS = new Set(['istio_requests_total', 'istio_request_duration_milliseconds_bucket',
  'istio_tcp_sent_bytes_total', 'istio_tcp_received_bytes_total']);

/**
 * The query that asks a proxy for those metrics only (Envoy's `filter`, an RE2 over stat names: Istio's
 * stats live in the `istiocustom` namespace, which the Prometheus names drop), so that a scrape every few
 * seconds costs each proxy a few series rather than its every stat.
 */
export const KEPT_METRICS_QUERY = `filter=${encodeURIComponent(`^istiocustom\\.(${[...KEPT_METRICS]
  .map((m) => m.replace(/_bucket$/, '')).join('|')})(\\.|$)`)}`;

/** A proxy's stats URL. */
export interface ScrapeTarget { url: string }

export class Scraper {
  /** When each target was last scraped (a series first seen after that starts from 0 then: its counter was 0). */
  private readonly lastScrape = new Map<string, number>();

  constructor(private readonly db: Tsdb, private readonly targets: () => readonly ScrapeTarget[],
    private readonly o: { timeoutMs: number }) {}

  /** One round over every target. */
  async scrapeAll(now = Date.now()): Promise<void> {
    const targets = this.targets();
    await Promise.all(targets.map((t) => this.scrape(t, now)));
    for (const url of this.lastScrape.keys()) if (!targets.some((t) => t.url === url)) this.lastScrape.delete(url);
  }

  private async scrape(t: ScrapeTarget, now: number): Promise<void> {
    let text: string;
    try {
      text = await getText(t.url, this.o.timeoutMs);
    } catch {
      return; // a pod starting or going away: its next scrape counts
    }
    const prev = this.lastScrape.get(t.url);
    const instance = new URL(t.url).host;
    for (const s of parsePrometheusText(text, (n) => KEPT_METRICS.has(n))) {
      const labels = { ...s.labels, instance };
      if (prev !== undefined && !this.db.has(s.name, labels)) this.db.add(s.name, labels, prev, 0);
      this.db.add(s.name, labels, now, s.value);
    }
    this.lastScrape.set(t.url, now);
  }
}
