// Test helpers: the book's YAML corpus (samples/book), parsed
// into registry input objects with the `yaml` package.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './input.js';
import { BOOK_DIR } from '../../../samples/book-corpus.js';

export const BOOK = BOOK_DIR;

export function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => !!o && !!o.kind);
}

export const readBook = (...files: string[]): KubeObject[] =>
  files.flatMap((f) => parseObjects(readFileSync(join(BOOK, f), 'utf8')));
