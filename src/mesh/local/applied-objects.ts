// The objects applied to the local mesh, kept in $STRAIT_HOME/objects.yaml across `strait down` and
// `strait up` (as a stopped cluster keeps its objects): rewritten after every change, forgotten by `down --purge`.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import type { Manifest } from './workloads.js';

const HEADER = '# The objects applied to the local mesh (strait up applies them again; strait down --purge forgets them).\n';

/** The kept objects' YAML, or undefined when none were ever kept (a first `strait up`, or after a purge). */
export function readAppliedObjects(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Replaces the kept objects with `objects` (in the order they were applied); an empty list is kept too. */
export function writeAppliedObjects(file: string, objects: readonly Manifest[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, HEADER + objects.map((o) => `---\n${stringify(o)}`).join(''));
  renameSync(tmp, file);
}

/** Forgets the kept objects; whether there were any. */
export function forgetAppliedObjects(file: string): boolean {
  const had = existsSync(file);
  rmSync(file, { force: true });
  return had;
}
