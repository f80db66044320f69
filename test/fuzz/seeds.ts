// Seed documents for the config fuzz targets: every YAML document of the given folders (in the
// repository, and the book's corpus beside it when present), parsed to plain values.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../lib/proxy-process.js';
import type { Json } from './doc-mutation.js';
import { BOOK_DIR } from '../../samples/book-corpus.js';

/** Larger files (the book's 600-resource scale test) add time per case, not coverage. */
const MAX_SEED_FILE_BYTES = 20_000;

/** A file or folder of the repository. */
export function repoPath(rel: string): string {
  return join(REPO_ROOT, rel);
}

/** A chapter of the book's corpus (samples/book). */
export function bookPath(chapter: string): string {
  return join(BOOK_DIR, chapter);
}

/** The mapping documents of every .yaml/.yml/.json file under `dirs` (missing ones skipped). */
export function seedDocuments(dirs: readonly string[], keep: (doc: Record<string, Json>) => boolean = () => true): Json[] {
  const out: Json[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const files = statSync(dir).isDirectory()
      ? readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(dir, f))
      : [dir];
    for (const f of files) {
      if (statSync(f).size > MAX_SEED_FILE_BYTES) continue;
      for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) {
        if (d.errors.length > 0) continue;
        const v = d.toJS() as unknown;
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && keep(v as Record<string, Json>)) out.push(v as Json);
      }
    }
  }
  return out;
}
