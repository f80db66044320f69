// Which process a pid names: the pid with its start time (from /proc, or `ps` where there is none),
// so a pid written down earlier is trusted, or signalled, only while it names the same process.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** A process as recorded: its pid and the time it started (an opaque token, compared for equality). */
export interface ProcessId {
  pid: number;
  started: string;
}

const HAS_PROC = existsSync('/proc/self/stat');

/** The start time token of a running process; undefined when it has exited (or is a zombie). */
function startTime(pid: number): string | undefined {
  if (!HAS_PROC) {
    try {
      return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    } catch {
      return undefined;
    }
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after "pid (comm) ": state is field 3, starttime field 22 (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
}

/** `pid` with its start time, or undefined when no such process runs. */
export function identify(pid: number): ProcessId | undefined {
  const started = startTime(pid);
  return started === undefined ? undefined : { pid, started };
}

/** Whether the process still runs (the same one: a reused pid has another start time). */
export function isRunning(p: ProcessId): boolean {
  return startTime(p.pid) === p.started;
}

/** Parses a recorded ProcessId (JSON); undefined when the text is not one. */
export function parseProcessId(text: string): ProcessId | undefined {
  try {
    const v = JSON.parse(text) as Partial<ProcessId>;
    return typeof v.pid === 'number' && typeof v.started === 'string' ? { pid: v.pid, started: v.started } : undefined;
  } catch {
    return undefined;
  }
}
