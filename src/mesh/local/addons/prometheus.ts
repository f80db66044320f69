// The Prometheus addon of `strait up --addons`: the `prometheus` binary found on PATH, its config,
// targets file, TSDB and log in the run directory, listening on 127.0.0.1 (9090 when free).
import { accessSync, constants, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { delimiter, join } from 'node:path';
import type { ChildLedger } from '../child-ledger.js';
import { startChild, type Child } from '../processes.js';
import type { PodState } from '../state.js';
import { envoyStatsTargets, prometheusConfig } from './prometheus-config.js';

export const PROMETHEUS_PORT = 9090;

/** The path of `name` on $PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* not in this directory */ }
  }
  return undefined;
}

/** `preferred` on 127.0.0.1 when it is free, else a free port. */
function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number): Promise<number | undefined> => new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
  return tryListen(preferred).then(async (p) => p ?? (await tryListen(0))!);
}

export class PrometheusAddon {
  private constructor(private readonly child: Child, readonly url: string, readonly logFile: string, private readonly targetsFile: string) {}

  /** Starts `bin` with its files under `dir`; resolves once /-/ready answers, rejects if it exits or takes over `timeoutMs`. */
  static async start(o: { bin: string; dir: string; pilot: string; pods: readonly PodState[]; ledger: ChildLedger; timeoutMs: number }): Promise<PrometheusAddon> {
    rmSync(o.dir, { recursive: true, force: true }); // each mesh starts with an empty TSDB
    mkdirSync(join(o.dir, 'data'), { recursive: true });
    const port = await freePort(PROMETHEUS_PORT);
    const self = `127.0.0.1:${port}`;
    const targetsFile = join(o.dir, 'envoy-stats.json');
    const configFile = join(o.dir, 'prometheus.yml');
    writeTargets(targetsFile, o.pods);
    writeFileSync(configFile, prometheusConfig({ self, pilot: o.pilot, targetsFile }));
    const logFile = join(o.dir, 'prometheus.log');
    const child = startChild(o.bin, [`--config.file=${configFile}`, `--storage.tsdb.path=${join(o.dir, 'data')}`,
      `--web.listen-address=${self}`], process.env, logFile, o.ledger);
    const addon = new PrometheusAddon(child, `http://${self}`, logFile, targetsFile);
    let exited = false;
    void child.exited.then(() => { exited = true; });
    const deadline = Date.now() + o.timeoutMs;
    while (Date.now() < deadline && !exited) {
      const r = await fetch(`${addon.url}/-/ready`).catch(() => undefined);
      if (r?.status === 200) return addon;
      await new Promise((res) => setTimeout(res, 100));
    }
    await child.stop();
    throw new Error(`prometheus ${exited ? 'exited' : `was not ready in ${o.timeoutMs} ms`} (see ${logFile})`);
  }

  /** Rewrites the envoy-stats targets (Prometheus' file_sd picks the change up). */
  updateTargets(pods: readonly PodState[]): void {
    writeTargets(this.targetsFile, pods);
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

function writeTargets(file: string, pods: readonly PodState[]): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(envoyStatsTargets(pods), null, 2));
  renameSync(`${file}.tmp`, file);
}
