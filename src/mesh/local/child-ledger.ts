// The processes a `strait up` starts (proxies, apps, Prometheus), one line each in $STRAIT_HOME/mesh.pids
// with its start time, so that a later `up` or `down` can stop what a killed `up` left running.
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { identify, isRunning, parseProcessId, type ProcessId } from './process-identity.js';

/** How long recorded processes get to exit after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 3000;

export class ChildLedger {
  constructor(readonly file: string) {}

  /** Writes down a child just started (nothing when it has already exited). */
  record(pid: number | undefined): void {
    const id = pid === undefined ? undefined : identify(pid);
    if (id) appendFileSync(this.file, `${JSON.stringify(id)}\n`);
  }

  /** Forgets every record (the mesh stopped its children itself). */
  clear(): void {
    rmSync(this.file, { force: true });
  }

  /** The recorded processes that still run (the same processes: pid and start time). */
  running(): ProcessId[] {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').map(parseProcessId).filter((p): p is ProcessId => p !== undefined && isRunning(p));
  }

  /** Stops the recorded processes that still run (SIGTERM, then SIGKILL) and clears the records; returns their pids.
   * Rejects, keeping the records, when one survives SIGKILL. */
  async stopLeftovers(): Promise<number[]> {
    const left = this.running();
    const signal = (s: NodeJS.Signals): void => {
      for (const p of left.filter(isRunning)) {
        try { process.kill(p.pid, s); } catch { /* exited meanwhile */ }
      }
    };
    const exited = async (ms: number): Promise<boolean> => {
      const deadline = Date.now() + ms;
      while (left.some(isRunning)) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    };
    signal('SIGTERM');
    if (!(await exited(TERM_GRACE_MS))) {
      signal('SIGKILL');
      if (!(await exited(TERM_GRACE_MS))) {
        throw new Error(`process ${left.filter(isRunning).map((p) => p.pid).join(', ')} did not exit on SIGKILL`);
      }
    }
    this.clear();
    return left.map((p) => p.pid);
  }
}
