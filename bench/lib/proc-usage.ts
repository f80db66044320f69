// CPU time and peak memory of a process and all its descendants, read from Linux /proc.
// Used by the benchmarks to charge each proxy (master + workers) for what it consumed.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}
const TICKS = clockTicks();

/** The fields of /proc/<pid>/stat after the "(comm)" one, which may itself hold spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The pid and every live descendant of it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields === undefined) continue;
    const ppid = Number(fields[1]);
    const list = children.get(ppid);
    if (list) list.push(Number(entry));
    else children.set(ppid, [Number(entry)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * CPU seconds (user + system) used so far by the tree: each live process's own time, plus
 * the time of children already reaped (cutime/cstime), so a respawned worker still counts.
 */
export function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    const f = statFields(pid);
    if (f === undefined) continue;
    // After "(comm) ": state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14.
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / TICKS;
}

/** Sum of the peak resident set sizes (VmHWM) of the tree's live processes, in bytes. */
export function treePeakRssBytes(root: number): number {
  let kb = 0;
  for (const pid of processTree(root)) {
    try {
      const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return kb * 1024;
}

/** A process's memory three ways, in bytes (/proc/<pid>/smaps_rollup; zeros when it is gone). */
export interface MemoryShares {
  /** Resident set: every page it maps, shared ones (the node binary, libraries) counted whole. */
  rss: number;
  /** Proportional set: shared pages divided among the processes mapping them. */
  pss: number;
  /** Unique (private) set: the pages only this process maps, what one more of it costs. */
  uss: number;
}

export function memoryShares(pid: number): MemoryShares {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('Rss'), pss: kb('Pss'), uss: kb('Private_Clean') + kb('Private_Dirty') };
  } catch {
    return { rss: 0, pss: 0, uss: 0 };
  }
}

