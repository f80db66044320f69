// Envoy's `server.*` stats: liveness, uptime, memory, concurrency, state.
// Refreshed on a coarse timer, as Envoy's stats flush does.
import type { Gauge, StatsStore } from '../stats/store.js';

/** Envoy's server state numbers (server.state gauge). */
export const SERVER_STATE = { LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 } as const;
export type ServerState = keyof typeof SERVER_STATE;

/** The server gauges, kept up to date every flush interval. */
export class ServerStats {
  private readonly live: Gauge;
  private readonly uptime: Gauge;
  private readonly state: Gauge;
  private readonly memAllocated: Gauge;
  private readonly memHeap: Gauge;
  private readonly memPhysical: Gauge;
  private readonly startedAt = Date.now();

  constructor(store: StatsStore, concurrency: number) {
    const s = store.scope('server');
    this.live = s.gauge('live', 'never');
    this.uptime = s.gauge('uptime', 'never');
    this.state = s.gauge('state', 'never');
    this.memAllocated = s.gauge('memory_allocated');
    this.memHeap = s.gauge('memory_heap_size');
    this.memPhysical = s.gauge('memory_physical_size');
    s.gauge('concurrency', 'never').set(concurrency);
    s.gauge('hot_restart_epoch', 'never').set(0);
    s.gauge('days_until_first_cert_expiring', 'never').set(2147483647);
    s.gauge('total_connections');
    s.gauge('parent_connections');
    s.gauge('version', 'never').set(0);
    store.textReadouts.set('server.version', '0.1.0/Strait');
    this.refresh('PRE_INITIALIZING');
  }

  /** Seconds since start (for /server_info). */
  uptimeSeconds(): number {
    return Math.floor((Date.now() - this.startedAt) / 1000);
  }

  refresh(state: ServerState): void {
    const mem = process.memoryUsage();
    this.live.set(state === 'LIVE' ? 1 : 0);
    this.state.set(SERVER_STATE[state]);
    this.uptime.set(this.uptimeSeconds());
    this.memAllocated.set(mem.heapUsed + mem.external);
    this.memHeap.set(mem.heapTotal);
    this.memPhysical.set(mem.rss);
  }
}
