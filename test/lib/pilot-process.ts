// Test helper: runs `strait pilot` as a child process over a watched config directory, on free
// loopback ports, and waits until its monitoring port answers. Only loopback addresses are used.
import { spawn, type ChildProcess } from 'node:child_process';
import { STRAIT_BIN, terminate } from './proxy-process.js';
import { freePort } from './sandbox.js';
import { waitFor } from './wait.js';

/** A running pilot process. */
export interface RunningPilot {
  child: ChildProcess;
  xdsPort: number;
  monitoringPort: number;
  /** stdout+stderr so far (pilot logs to stderr). */
  output(): string;
  /** GET of a monitoring path (/metrics, /debug/configz), as text. */
  monitoring(path: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts `strait pilot --config-dir dir` and waits (15 s) for /metrics; kills it and rejects if it does not answer. */
export async function startPilot(configDir: string): Promise<RunningPilot> {
  const xdsPort = await freePort();
  const monitoringPort = await freePort();
  const child = spawn(process.execPath, [STRAIT_BIN, 'pilot', '--config-dir', configDir, '--xds-port', String(xdsPort),
    '--monitoring-port', String(monitoringPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const monitoring = (path: string): Promise<string> => fetch(`http://127.0.0.1:${monitoringPort}${path}`).then((r) => r.text());
  const stop = async (): Promise<void> => { if (child.exitCode === null && child.signalCode === null) await terminate(child); };
  try {
    await waitFor('pilot to listen', 15_000, () => monitoring('/metrics').then(() => true, () => undefined));
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${out}`);
  }
  return { child, xdsPort, monitoringPort, output: () => out, monitoring, stop };
}
