// Where the book's configuration files live in the repository (samples/book), for tests and tools:
// resolved from this module's place, so it works from src/ runs and from dist/ alike.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** `<repo>/samples/book` (this file is samples/book-corpus.ts, or dist/samples/book-corpus.js). */
export const BOOK_DIR = [join(here, 'book'), join(here, '..', '..', 'samples', 'book')].find((d) => existsSync(d))!;
