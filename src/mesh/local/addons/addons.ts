// The observability addons `strait up --addons` runs beside the mesh: the zipkin collector always,
// Prometheus when its binary is on PATH (otherwise one line says so and the mesh runs without it).
import { join } from 'node:path';
import type { ChildLedger } from '../child-ledger.js';
import type { MeshAddonUrls, PodState } from '../state.js';
import type { Manifest } from '../workloads.js';
import { PrometheusAddon, findOnPath } from './prometheus.js';
import { startZipkinAddon, type ZipkinAddon } from './zipkin.js';

export interface AddonsOptions {
  runDir: string;
  /** The loopback address the collector listens on (allocated like a pod's). */
  zipkinIp: string;
  /** host:port of the control plane's monitoring server (pilot's /metrics). */
  pilotMonitoring: string;
  pods: readonly PodState[];
  /** Where Prometheus' process is recorded. */
  ledger: ChildLedger;
  progress: (msg: string) => void;
  log: (level: string, msg: string) => void;
}

export class MeshAddons {
  private constructor(private readonly zipkin: ZipkinAddon, private readonly prometheus: PrometheusAddon | undefined) {}

  static async start(o: AddonsOptions): Promise<MeshAddons> {
    const zipkin = await startZipkinAddon(o.zipkinIp);
    o.progress(`zipkin collector on ${zipkin.collector.url} (Service zipkin.istio-system:9411)`);
    let prometheus: PrometheusAddon | undefined;
    const bin = findOnPath('prometheus');
    if (!bin) {
      o.log('warn', 'prometheus is not on PATH: running without it (install Prometheus to scrape the proxies)');
    } else {
      try {
        prometheus = await PrometheusAddon.start({ bin, dir: join(o.runDir, 'prometheus'), pilot: o.pilotMonitoring, pods: o.pods,
          ledger: o.ledger, timeoutMs: 20_000 });
        o.progress(`prometheus on ${prometheus.url} (scraping every 5s; log ${prometheus.logFile})`);
      } catch (e) {
        o.log('warn', `running without prometheus: ${(e as Error).message}`);
      }
    }
    return new MeshAddons(zipkin, prometheus);
  }

  /** Objects pilot should see (the zipkin Service and its Pod). */
  get objects(): Manifest[] { return this.zipkin.objects; }

  get urls(): MeshAddonUrls {
    return { zipkin: this.zipkin.collector.url, ...(this.prometheus ? { prometheus: this.prometheus.url } : {}) };
  }

  /** Pods came or went: Prometheus' targets follow. */
  podsChanged(pods: readonly PodState[]): void {
    this.prometheus?.updateTargets(pods);
  }

  async stop(): Promise<void> {
    await Promise.all([this.zipkin.collector.close(), this.prometheus?.stop()]);
  }
}
