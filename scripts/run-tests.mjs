// Runs every compiled *.test.js under dist/ with node's test runner, two files at a time (a file gets 3 minutes
// unless a test sets its own timeout): the files that run a whole local mesh (`strait up`) one after another
// in one lane, so two meshes never share the default pod addresses and ports, and every other file in a second lane.
// Node 20's runner has no globs, so the file lists are built here.
import { readdirSync, statSync } from 'node:fs';
import { basename, join, dirname } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (e.endsWith('.test.js')) files.push(p);
  }
};
walk(join(root, 'dist'));
const filter = process.argv[2];
const chosen = filter ? files.filter((f) => f.includes(filter)) : files;
const runsMesh = (f) => /^(strait-up-|readme-quick-start)/.test(basename(f));

/** One lane: its files one at a time; resolves with the runner's exit code (0 when the lane is empty). */
const lane = (list) => new Promise((resolve) => {
  if (list.length === 0) return resolve(0);
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=180000', ...list], { stdio: 'inherit', cwd: root });
  child.once('exit', (code) => resolve(code ?? 1));
});

const codes = await Promise.all([lane(chosen.filter(runsMesh)), lane(chosen.filter((f) => !runsMesh(f)))]);
process.exit(codes.every((c) => c === 0) ? 0 : 1);
