// What the control-plane benchmarks share: `--name value` flags, waiting for a child process's
// IPC message of a kind, and percentiles of sorted samples.
import type { ChildProcess } from 'node:child_process';

/** The value after `--<name>` on the command line, or `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

/** Whether `--<name>` is on the command line. */
export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

export type Msg = { kind: string; [k: string]: unknown };

/** The child's next IPC message of this kind. */
export function next(child: ChildProcess, kind: string): Promise<Msg> {
  return new Promise((resolve) => {
    const on = (m: Msg): void => {
      if (m.kind === kind) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
  });
}

/** The p-th percentile (0..100) of ascending samples. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The median of samples (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
