// One local pod: its proxy (a `strait proxy` process on a mesh bootstrap, bound to the pod's own
// loopback address) and, for workloads, its app process with HTTP_PROXY pointing at the sidecar.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { proxyBootstrap } from '../agent/bootstrap.js';
import { sampleForImage } from '../../../samples/registry.js';
import { startChild, type Child } from './processes.js';
import { podLogFile, type PodState } from './state.js';
import type { WorkloadSpec } from './workloads.js';

/** The sidecar's explicit HTTP proxy port (the app's HTTP_PROXY). */
export const HTTP_PROXY_PORT = 15080;
export const ADMIN_PORT = 15000;

export interface PodPaths {
  /** `node` and the strait entry point. */
  node: string;
  straitBin: string;
  appEntry: string;
  runDir: string;
}

export class LocalPod {
  private proxy?: Child;
  private app?: Child;

  /** `zipkin`: the collector the proxy reports spans to (Istio's defaultConfig.tracing.zipkin.address), when one runs. */
  constructor(readonly state: PodState, private readonly workload: WorkloadSpec | undefined, private readonly paths: PodPaths,
    private readonly xds: { host: string; port: number }, private readonly zipkin?: { host: string; port: number }) {}

  get proxyLog(): string { return podLogFile(this.paths.runDir, this.state.name, 'istio-proxy'); }
  get appLog(): string { return podLogFile(this.paths.runDir, this.state.name, 'app'); }

  /** Starts the proxy and the app; resolves when the proxy's admin answers /ready. */
  async start(): Promise<void> {
    const s = this.state;
    const boot = proxyBootstrap({ type: s.type, podName: s.name, namespace: s.namespace, podIp: s.podIp, appAddress: s.appAddress,
      labels: s.labels, serviceAccount: this.workload?.serviceAccount, xdsHost: this.xds.host, xdsPort: this.xds.port,
      adminPort: s.adminPort, httpProxyPort: s.httpProxyPort, workloadName: s.deployment,
      ...(this.zipkin ? { zipkin: this.zipkin } : {}) });
    const bootFile = join(this.paths.runDir, 'pods', `${s.name}.json`);
    writeFileSync(bootFile, JSON.stringify(boot));
    this.proxy = startChild(this.paths.node, [this.paths.straitBin, 'proxy', '-c', bootFile, '--drain-time-s', '1'], process.env, this.proxyLog);
    if (this.workload) this.app = this.startApp(this.workload);
  }

  private startApp(w: WorkloadSpec): Child {
    const s = this.state;
    const proxy = `http://${s.podIp}:${s.httpProxyPort}`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'], HOME: process.env['HOME'], ...w.env,
      HOSTNAME: s.name, POD_NAME: s.name, POD_NAMESPACE: s.namespace, HOST: s.appAddress,
      HTTP_PROXY: proxy, http_proxy: proxy, NO_PROXY: `${s.appAddress},localhost`, no_proxy: `${s.appAddress},localhost`,
      STRAIT_APP_HOST: s.appAddress, STRAIT_SAMPLE_IMAGE: w.image, STRAIT_APP_ARGS: JSON.stringify(w.args),
    };
    if (w.command) return startChild(w.command[0]!, w.command.slice(1), env, this.appLog);
    return startChild(this.paths.node, [this.paths.appEntry], env, this.appLog);
  }

  /** Whether `image` can run here (a sample, or the workload names a command). */
  static runnable(w: WorkloadSpec): boolean {
    return w.command !== undefined || sampleForImage(w.image) !== undefined;
  }

  /** Resolves when the proxy's admin says it is ready (initial xDS received), or rejects on exit/timeout. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.proxy?.exited.then(() => { exited = true; });
    while (Date.now() < deadline) {
      if (exited) throw new Error(`the proxy of ${this.state.name} exited (see ${this.proxyLog})`);
      const r = await fetch(`http://${this.state.podIp}:${this.state.adminPort}/ready`).catch(() => undefined);
      if (r?.status === 200) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`the proxy of ${this.state.name} was not ready in ${timeoutMs} ms (see ${this.proxyLog})`);
  }

  async stop(): Promise<void> {
    await Promise.all([this.app?.stop(), this.proxy?.stop()]);
  }
}
