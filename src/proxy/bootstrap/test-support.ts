// Test helpers for the bootstrap loader: the repo root, the book's ch3 configs and a line finder.
// Used only by *.test.ts files.
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

/** The book's chapter 3 Envoy configs (samples/book/ch3). */
export function ch3Dir(): string {
  return join(repoRoot(), 'samples', 'book', 'ch3');
}

/** 1-based line of the first line containing `needle` (throws if absent, so tests stay honest). */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${JSON.stringify(needle)} not in test config`);
  return i + 1;
}
