// One local pod: its proxy (a `strait proxy` process on a mesh bootstrap, bound to the pod's own loopback
// address, with the pod agent's SDS) and, for workloads, its app process with HTTP_PROXY pointing at the sidecar;
// a workload that was not injected runs its app alone on the pod's address, HTTP_PROXY at the mesh's service proxy.
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { AgentConfig } from '../agent/agent.js';
import { proxyBootstrap } from '../agent/bootstrap.js';
import { spiffeId } from '../../pilot/ca/spiffe.js';
import { proxyNodeId } from '../../pilot/model/proxy.js';
import { sampleForImage } from '../../../samples/registry.js';
import type { ChildLedger } from './child-ledger.js';
import { startChild, type Child } from './processes.js';
import { httpProxyOf, podLogFile, type PodState } from './state.js';
import type { WorkloadSpec } from './workloads.js';
import { shebangNodeFlags } from './node-flags.js';
import { getText } from '../../proxy/util/http-get.js';

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

/** A pod whose proxy did not come up: the message names the pod and the cause. */
export class PodStartError extends Error {
  override name = 'PodStartError';
}

/** An entry of the admin's /config_dump?resource=dynamic_listeners, as far as readiness reads it. */
interface DynamicListenerDump {
  name: string;
  warming_state?: unknown;
  error_state?: { details?: string };
}

const getJson = (url: string): Promise<unknown> =>
  getText(url, 5_000).then((t) => JSON.parse(t) as unknown).catch(() => undefined);

/** What a proxy said when it failed: the CLI's `strait: ` line in its log, else the log's last line. */
function failureIn(log: string): string {
  let lines: string[] = [];
  try {
    lines = readFileSync(log, 'utf8').split('\n').filter((l) => l.trim() !== '');
  } catch { /* no log */ }
  const said = lines.find((l) => l.startsWith('strait: '));
  return said?.slice('strait: '.length) ?? lines.at(-1) ?? 'no output';
}

/** How a pod's agent reaches the mesh CA: its address, the root to check it with, and the pod's token. */
export interface PodSecurity {
  caAddress: string;
  rootCertFile: string;
  token: string;
}

export class LocalPod {
  private proxy?: Child;
  private app?: Child;
  /** Why start() failed, for ready() to report. */
  private startFailure?: Error;
  private stopped = false;

  /**
   * `extras.zipkin`: the collector the proxy reports spans to (Istio's defaultConfig.tracing.zipkin.address), when one runs;
   * `extras.security`: the mesh CA the pod's agent gets its certificate from, when the mesh has one;
   * `extras.serviceProxy`: for a pod with no sidecar (type 'app'), the host:port of its namespace's service proxy.
   */
  constructor(readonly state: PodState, private readonly workload: WorkloadSpec | undefined, private readonly paths: PodPaths,
    private readonly xds: { host: string; port: number }, private readonly ledger: ChildLedger,
    private readonly extras: { zipkin?: { host: string; port: number }; security?: PodSecurity; serviceProxy?: Promise<string> } = {}) {}

  get proxyLog(): string { return podLogFile(this.paths.runDir, this.state.name, 'istio-proxy'); }
  get appLog(): string { return podLogFile(this.paths.runDir, this.state.name, 'app'); }

  /** Starts the proxy and the app (a pod with no sidecar: the app only, once its service proxy listens). */
  async start(): Promise<void> {
    const s = this.state;
    if (s.type === 'app') {
      try {
        s.serviceProxy = await this.extras.serviceProxy;
        if (!this.stopped) this.app = this.startApp(this.workload!); // not after a stop that came first
      } catch (e) {
        this.startFailure = e as Error;
      }
      return;
    }
    const podDir = join(this.paths.runDir, 'pods');
    const agentArgs = this.extras.security ? ['--agent-config', this.writeAgentConfig(this.extras.security)] : [];
    const boot = proxyBootstrap({ type: s.type, podName: s.name, namespace: s.namespace, podIp: s.podIp, appAddress: s.appAddress,
      labels: s.labels, serviceAccount: s.serviceAccount, xdsHost: this.xds.host, xdsPort: this.xds.port,
      adminPort: s.adminPort, httpProxyPort: s.httpProxyPort, workloadName: s.deployment,
      ...(this.extras.zipkin ? { zipkin: this.extras.zipkin } : {}),
      ...(this.extras.security ? { sdsSocket: this.sdsSocket } : {}) });
    const bootFile = join(podDir, `${s.name}.json`);
    writeFileSync(bootFile, JSON.stringify(boot));
    // The proxy runs with bin/strait.js's own node flags (its shebang's), as `strait proxy` does.
    const nodeFlags = shebangNodeFlags(this.paths.straitBin);
    this.proxy = startChild(this.paths.node, [...nodeFlags, this.paths.straitBin, 'proxy', '-c', bootFile, '--drain-time-s', '1', ...agentArgs],
      process.env, this.proxyLog, this.ledger);
    if (this.workload) this.app = this.startApp(this.workload);
  }

  /** The agent's SDS socket (Istio's workload-spiffe-uds/socket), in the pod's run files. */
  private get sdsSocket(): string { return join(this.paths.runDir, 'pods', `${this.state.name}.sds.sock`); }

  /** Writes the pod's token (readable by its owner only) and its agent's settings; returns the settings file. */
  private writeAgentConfig(sec: PodSecurity): string {
    const s = this.state;
    const base = join(this.paths.runDir, 'pods', s.name);
    writeFileSync(`${base}.token`, sec.token, { mode: 0o600 });
    const cfg: AgentConfig = { caAddress: sec.caAddress, rootCertFile: sec.rootCertFile, tokenFile: `${base}.token`,
      identity: spiffeId({ namespace: s.namespace, serviceAccount: s.serviceAccount }), sdsSocket: this.sdsSocket };
    writeFileSync(`${base}.agent.json`, JSON.stringify(cfg));
    return `${base}.agent.json`;
  }

  private startApp(w: WorkloadSpec): Child {
    const s = this.state;
    const proxy = httpProxyOf(s) ?? '';
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'], HOME: process.env['HOME'], ...w.env,
      HOSTNAME: s.name, POD_NAME: s.name, POD_NAMESPACE: s.namespace, HOST: s.appAddress,
      HTTP_PROXY: proxy, http_proxy: proxy, NO_PROXY: `${s.appAddress},localhost`, no_proxy: `${s.appAddress},localhost`,
      STRAIT_APP_HOST: s.appAddress, STRAIT_SAMPLE_IMAGE: w.image, STRAIT_APP_ARGS: JSON.stringify(w.args),
    };
    if (w.command) return startChild(w.command[0]!, w.command.slice(1), env, this.appLog, this.ledger);
    return startChild(this.paths.node, [this.paths.appEntry], env, this.appLog, this.ledger);
  }

  /** Whether `image` can run here (a sample, or the workload names a command). */
  static runnable(w: WorkloadSpec): boolean {
    return w.command !== undefined || sampleForImage(w.image) !== undefined;
  }

  /**
   * Resolves when the pod's proxy is LIVE (its initial xDS applied) and every listener it was given is
   * bound; rejects with a PodStartError when it exits, a listener fails (EADDRINUSE ...), or on timeout.
   */
  async ready(timeoutMs: number): Promise<void> {
    if (this.state.type === 'app') return this.appReady(timeoutMs);
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.proxy?.exited.then(() => { exited = true; });
    while (Date.now() < deadline) {
      if (exited) throw new PodStartError(`${this.ref}: its proxy exited: ${failureIn(this.proxyLog)} (log: ${this.proxyLog})`);
      if (await this.serving()) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new PodStartError(`${this.ref}: its proxy was not ready in ${timeoutMs / 1000} s (log: ${this.proxyLog})`);
  }

  /** A pod with no sidecar is ready when its app accepts connections on each of its ports; rejects when the app exits. */
  private async appReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const accepts = (port: number): Promise<boolean> => new Promise((res) => {
      const c = net.connect({ host: this.state.podIp, port }, () => { c.destroy(); res(true); });
      c.once('error', () => res(false));
    });
    while (Date.now() < deadline) {
      if (this.startFailure) throw new PodStartError(`${this.ref}: ${this.startFailure.message}`);
      if (this.app?.proc.exitCode != null) throw new PodStartError(`${this.ref}: its app exited: ${failureIn(this.appLog)} (log: ${this.appLog})`);
      if (this.app && (await Promise.all(this.state.appPorts.map(accepts))).every(Boolean)) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new PodStartError(`${this.ref}: its app did not listen in ${timeoutMs / 1000} s (log: ${this.appLog})`);
  }

  private get ref(): string { return `pod ${this.state.name}.${this.state.namespace}`; }

  /** One look at the proxy's admin: whether it is this pod's proxy, LIVE, with no listener warming; throws on a failed listener. */
  private async serving(): Promise<boolean> {
    const s = this.state;
    if (s.type === 'app') return false; // no proxy (appReady)
    const admin = `http://${s.podIp}:${s.adminPort}`;
    const info = await getJson(`${admin}/server_info`) as { state?: string; node?: { id?: string } } | undefined;
    // A proxy on this address that is not this pod's (one a killed mesh left behind) does not count.
    if (info?.state !== 'LIVE' || info.node?.id !== proxyNodeId(s.type, s.podIp, s.name, s.namespace)) return false;
    const dump = await getJson(`${admin}/config_dump?resource=dynamic_listeners`) as { configs?: DynamicListenerDump[] } | undefined;
    const listeners = dump?.configs ?? [];
    const failed = listeners.find((l) => l.error_state !== undefined);
    if (failed) throw new PodStartError(`${this.ref}: listener ${failed.name} failed: ${failed.error_state!.details ?? 'unknown error'} (log: ${this.proxyLog})`);
    return dump !== undefined && !listeners.some((l) => l.warming_state !== undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.app?.stop(), this.proxy?.stop()]);
  }
}
