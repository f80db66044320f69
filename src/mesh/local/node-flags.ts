// The node flags a script's shebang gives (`#!/usr/bin/env -S node --flag ...`): the local mesh starts
// proxies as `node FLAGS bin/strait.js proxy`, so they run with the flags `strait proxy` runs with.
import { readFileSync } from 'node:fs';

const cache = new Map<string, readonly string[]>();

/** The flags after `node` on `script`'s first line (none when it has no such shebang). */
export function shebangNodeFlags(script: string): readonly string[] {
  let flags = cache.get(script);
  if (flags === undefined) {
    const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
    const m = /^#!\S*env\s+(?:-S\s+)?node((?:\s+-\S+)*)\s*$/.exec(first);
    flags = m === null ? [] : m[1]!.trim().split(/\s+/).filter((f) => f !== '');
    cache.set(script, flags);
  }
  return flags;
}
