// --concurrency N: N worker processes (node:cluster) serve the listeners; the primary runs the admin
// and, before each admin request, gathers every worker's stats and host counters so it shows the sum.
import cluster, { type Worker } from 'node:cluster';
import type { StatsSnapshot } from '../stats/snapshot.js';
import { mergeSnapshots, snapshot } from '../stats/snapshot.js';
import type { HostStats } from '../upstream/types.js';
import type { ProxyServer } from './server.js';
import { log } from '../log.js';

/** What a worker reports when asked. */
interface WorkerReport {
  type: 'strait:report';
  id: number;
  stats: StatsSnapshot;
  /** cluster name -> host key -> counters. */
  hosts: Record<string, Record<string, HostStats>>;
  /** listener name -> bound port. */
  ports: Record<string, number>;
}

interface ReportRequest {
  type: 'strait:report-request';
  id: number;
}

/** How long the primary waits for workers before answering with what it has. */
const REPORT_TIMEOUT_MS = 2000;

/** Whether this process is a worker of a `--concurrency N` proxy. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/** Worker side: answers report requests from the primary. */
export function serveReports(server: ProxyServer): void {
  process.on('message', (m: ReportRequest) => {
    if (m?.type !== 'strait:report-request') return;
    const hosts: WorkerReport['hosts'] = {};
    for (const c of server.clusterManager.clusters()) {
      const byHost: Record<string, HostStats> = {};
      for (const level of c.hostsByPriority) for (const h of level) byHost[h.key] = { ...h.stats };
      hosts[c.info.name] = byHost;
    }
    const ports: Record<string, number> = {};
    for (const l of server.listeners) ports[l.name] = l.boundPort;
    const report: WorkerReport = { type: 'strait:report', id: m.id, stats: snapshot(server.stats), hosts, ports };
    process.send?.(report);
  });
}

/** Primary side: the workers and the latest merged view of them. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private nextId = 1;
  /** Bound ports reported by the workers (listener name -> port). */
  ports: Record<string, number> = {};
  private stopping = false;

  constructor(private readonly server: ProxyServer, count: number) {
    for (let i = 0; i < count; i++) this.workers.push(cluster.fork({ STRAIT_WORKER_INDEX: String(i) }));
    cluster.on('exit', (w, code, signal) => {
      if (!this.stopping) log('main', 'error', `worker ${w.id} exited (${signal ?? code}); stopping`);
      if (!this.stopping) process.exit(1);
    });
  }

  /** Resolves once every worker reported its listeners bound (their first report). */
  async ready(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const reports = await this.collect();
      if (reports.length === this.workers.length) {
        this.ports = reports[0].ports;
        return;
      }
      if (Date.now() > deadline) throw new Error('workers did not start within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private collect(): Promise<WorkerReport[]> {
    const id = this.nextId++;
    const live = this.workers.filter((w) => w.isConnected());
    return new Promise((resolve) => {
      const got: WorkerReport[] = [];
      const done = (): void => {
        clearTimeout(timer);
        for (const w of live) w.removeListener('message', onMessage);
        resolve(got);
      };
      const onMessage = (m: WorkerReport): void => {
        if (m?.type === 'strait:report' && m.id === id) {
          got.push(m);
          if (got.length === live.length) done();
        }
      };
      const timer = setTimeout(done, REPORT_TIMEOUT_MS);
      for (const w of live) {
        w.on('message', onMessage);
        w.send({ type: 'strait:report-request', id } satisfies ReportRequest);
      }
      if (live.length === 0) done();
    });
  }

  /** Gathers the workers' stats and host counters into the primary's view. */
  async refresh(): Promise<StatsSnapshot> {
    const reports = await this.collect();
    const merged = mergeSnapshots([snapshot(this.server.stats), ...reports.map((r) => r.stats)]);
    for (const c of this.server.clusterManager.clusters()) {
      for (const level of c.hostsByPriority) {
        for (const h of level) {
          const sum: HostStats = { cx_active: 0, cx_connect_fail: 0, cx_total: 0, rq_active: 0, rq_error: 0,
            rq_success: 0, rq_timeout: 0, rq_total: 0 };
          for (const r of reports) {
            const s = r.hosts[c.info.name]?.[h.key];
            if (s === undefined) continue;
            for (const k of Object.keys(sum) as (keyof HostStats)[]) sum[k] += s[k];
          }
          Object.assign(h.stats, sum);
        }
      }
    }
    return merged;
  }

  /** Stops every worker (SIGTERM lets each drain and flush its logs). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) {
        resolve();
        return;
      }
      w.once('exit', () => resolve());
      w.process.kill('SIGTERM');
    })));
  }
}
