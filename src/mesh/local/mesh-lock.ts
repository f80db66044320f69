// The lock of a `strait up`: $STRAIT_HOME/mesh.lock names the process that owns the mesh (pid and
// start time). It appears whole or not at all (a hard link), and a dead owner's lock is taken over.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { identify, isRunning, parseProcessId, type ProcessId } from './process-identity.js';

/** A lock this process holds. */
export interface MeshLock {
  /** The pid of the dead `up` whose lock was taken over, if there was one. */
  previousOwner?: number;
  /** Removes the lock (when it is still this process's). */
  release(): void;
}

/** Either the lock, or the pid of the live process that holds it. */
export type LockAttempt = { lock: MeshLock } | { owner: number };

const readOwner = (file: string): ProcessId | undefined => {
  try {
    return parseProcessId(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

/** Takes the lock in `file` unless a live process holds it. */
export function acquireMeshLock(file: string): LockAttempt {
  const me = identify(process.pid)!;
  mkdirSync(dirname(file), { recursive: true });
  const mine = `${file}.${process.pid}.new`;
  writeFileSync(mine, JSON.stringify(me));
  try {
    let previousOwner: number | undefined;
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        linkSync(mine, file);
        const release = (): void => {
          const owner = readOwner(file);
          if (owner?.pid === me.pid && owner.started === me.started) rmSync(file, { force: true });
        };
        return { lock: { ...(previousOwner === undefined ? {} : { previousOwner }), release } };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = readOwner(file);
      if (owner && isRunning(owner)) return { owner: owner.pid };
      // A dead owner's lock: move it aside (atomic, so one taker wins) and put it back if it turns out
      // to be a live one that another `up` took over in the meantime.
      const aside = `${file}.${process.pid}.stale`;
      try {
        renameSync(file, aside);
      } catch {
        continue; // already gone
      }
      const moved = readOwner(aside);
      if (moved && isRunning(moved)) {
        try { linkSync(aside, file); } catch { /* a third process took it: it is the owner now */ }
      } else {
        previousOwner = moved?.pid;
      }
      rmSync(aside, { force: true });
    }
    throw new Error(`could not take the lock ${file}`);
  } finally {
    rmSync(mine, { force: true });
  }
}
