// The dashboard as `strait up` runs it: a store sized for an hour at the scrape interval (at most 2000 series of
// 1801 points, under 60 MB), the scraper over the mesh's proxies, and the server of the page and its API on 127.0.0.1.
import type { ConfigObject } from '../pilot/config/object.js';
import { Scraper } from './scraper.js';
import { startDashboardServer, type DashboardProxy, type DashboardServer } from './server.js';
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
}

export class MeshDashboard {
  private constructor(private readonly scraper: Scraper, private readonly server: DashboardServer) {}

  static async start(o: MeshDashboardOptions): Promise<MeshDashboard> {
    const db = new Tsdb({ capacity: RETENTION_MS / SCRAPE_INTERVAL_MS + 1, maxSeries: 2000 });
    const scraper = new Scraper(db, () => o.proxies().map((p) => ({ url: `http://${p.podIp}:${PROMETHEUS_PORT}/stats/prometheus` })),
      { intervalMs: SCRAPE_INTERVAL_MS, retentionMs: RETENTION_MS, timeoutMs: 3000 });
    const server = await startDashboardServer({ host: '127.0.0.1', port: o.port, db, proxies: o.proxies, pilotMonitoring: o.pilotMonitoring,
      config: o.config, configDir: o.configDir, collectorUrl: o.collectorUrl });
    scraper.start();
    return new MeshDashboard(scraper, server);
  }

  get url(): string { return this.server.url; }

  async stop(): Promise<void> {
    await this.scraper.stop();
    await this.server.close();
  }
}
