// The dashboard as `strait up` runs it: a store sized for an hour at the scrape interval (at most 2000 series of
// 1801 points, under 60 MB), filled every 2 s from the real Prometheus when `--addons` runs one (its query API), else
// (and whenever it does not answer) by the dashboard's own scraper of the proxies; the page and its API on 127.0.0.1.
import type { ConfigObject } from '../pilot/config/object.js';
import { PrometheusFeed } from './prometheus-feed.js';
import { KEPT_METRICS_QUERY, Scraper } from './scraper.js';
import { startDashboardServer, type DashboardProxy, type DashboardServer, type MetricsSource } from './server.js';
import { Tsdb } from './tsdb.js';

/** Where every proxy serves its merged Prometheus stats (Istio's 15090). */
export const PROMETHEUS_PORT = 15090;
/** Every 2 s: a graph over the last 30 s turns red a few seconds after a service starts failing. */
export const SCRAPE_INTERVAL_MS = 2000;
const RETENTION_MS = 60 * 60_000;

export interface MeshDashboardOptions {
  port: number;
  proxies: () => readonly DashboardProxy[];
  pilotMonitoring: string;
  config: () => readonly ConfigObject[];
  configDir: string;
  collectorUrl: () => string | undefined;
  /** The Prometheus addon's base URL, when one runs. */
  prometheusUrl: () => string | undefined;
}

export class MeshDashboard {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private source: MetricsSource = 'scraper';

  private constructor(private readonly db: Tsdb, private readonly scraper: Scraper, private readonly feed: PrometheusFeed,
    private readonly o: MeshDashboardOptions, private server?: DashboardServer) {}

  static async start(o: MeshDashboardOptions): Promise<MeshDashboard> {
    const db = new Tsdb({ capacity: RETENTION_MS / SCRAPE_INTERVAL_MS + 1, maxSeries: 2000 });
    const scraper = new Scraper(db, () => o.proxies().map((p) => ({ url: `http://${p.podIp}:${PROMETHEUS_PORT}/stats/prometheus?${KEPT_METRICS_QUERY}` })), { timeoutMs: 3000 });
    const d = new MeshDashboard(db, scraper, new PrometheusFeed(db, { retentionMs: RETENTION_MS, timeoutMs: 3000 }), o);
    d.server = await startDashboardServer({ host: '127.0.0.1', port: o.port, db, proxies: o.proxies, pilotMonitoring: o.pilotMonitoring,
      config: o.config, configDir: o.configDir, collectorUrl: o.collectorUrl, metricsSource: () => d.source });
    d.timer = setInterval(() => { if (!d.running) d.running = d.collect().finally(() => { d.running = undefined; }); }, SCRAPE_INTERVAL_MS);
    d.timer.unref();
    return d;
  }

  /** One round: Prometheus' new samples when it runs and answers, else a scrape of every proxy; then old series go. */
  private async collect(now = Date.now()): Promise<void> {
    const prometheus = this.o.prometheusUrl();
    if (prometheus !== undefined && await this.feed.pull(prometheus, now)) this.source = 'prometheus';
    else {
      await this.scraper.scrapeAll(now);
      this.source = 'scraper';
    }
    this.db.evictOlderThan(now - RETENTION_MS);
  }

  get url(): string { return this.server!.url; }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.server?.close();
  }
}
