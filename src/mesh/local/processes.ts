// Child processes of the local mesh: started with their output appended to a log file, stopped
// with SIGTERM then SIGKILL, so nothing is left behind when the mesh goes down; each is recorded in
// the mesh's ledger, so that what a killed mesh left can be found and stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import type { ChildLedger } from './child-ledger.js';

export interface Child {
  proc: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Spawns `cmd args` with stdout and stderr appended to `logFile`, and records it in `ledger`. */
export function startChild(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string, ledger: ChildLedger): Child {
  const fd = openSync(logFile, 'a');
  const proc = spawn(cmd, args, { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  ledger.record(proc.pid);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.once('error', () => resolve(null));
  });
  return {
    proc, exited,
    async stop(): Promise<void> {
      if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
