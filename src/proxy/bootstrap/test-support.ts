// Test helpers for the bootstrap loader: where the shared corpus lives and a line finder.
// Used only by *.test.ts files; the corpus sits beside the repo at `<repo root>/../shared`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root: the nearest folder above this module holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

/** The book's chapter 3 Envoy configs, or undefined when the shared corpus is absent. */
export function ch3Dir(): string | undefined {
  const dir = join(repoRoot(), '..', 'shared', 'corpus', 'book', 'ch3');
  return existsSync(dir) ? dir : undefined;
}

/** Skip reason for tests that need the corpus. */
export const NO_CORPUS = 'shared corpus not found at <repo root>/../shared/corpus/book/ch3';

/** 1-based line of the first line containing `needle` (throws if absent, so tests stay honest). */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${JSON.stringify(needle)} not in test config`);
  return i + 1;
}
