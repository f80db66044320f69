// Strait's own package.json, found from this module's location (works from src/ and dist/).
// Read once, for `strait version` and `--version`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { name: string; version: string } | undefined;

/** Name and version from the nearest package.json above this module. */
export function packageInfo(): { name: string; version: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      cached = { name: pkg.name ?? 'strait', version: pkg.version ?? '0.0.0' };
      return cached;
    }
    const up = dirname(dir);
    if (up === dir) return (cached = { name: 'strait', version: '0.0.0' });
    dir = up;
  }
}
