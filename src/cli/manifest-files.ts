// The files a `-f FILE|DIR|-` argument names, as kubectl and istioctl read them: a file, `-` for
// stdin, or a directory's .yaml/.yml/.json files (recursively, sorted).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './cli-error.js';

/** Expands `path`; a missing path is a CliError naming `command`. */
export function manifestFiles(path: string, command: string): string[] {
  if (path === '-') return ['-'];
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`${command}: cannot read ${path}: no such file or directory`);
  }
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...manifestFiles(p, command));
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}
