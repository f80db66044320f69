// Test helpers: the book's YAML corpus (../shared/corpus/book from the repository root), parsed
// into registry input objects with the `yaml` package.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './input.js';

// dist/src/pilot/registry -> repository root
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const BOOK = join(root, '..', 'shared', 'corpus', 'book');
export const haveBook = existsSync(BOOK);

export function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => !!o && !!o.kind);
}

export const readBook = (...files: string[]): KubeObject[] =>
  files.flatMap((f) => parseObjects(readFileSync(join(BOOK, f), 'utf8')));
