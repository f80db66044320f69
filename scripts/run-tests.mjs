// Runs every compiled *.test.js under dist/ with node's test runner, two files at a time: the files that run
// a whole local mesh (`strait up`, or a LocalMesh in the test) one after another in one lane (10 minutes a file), so two meshes never share
// the default pod addresses and ports, and every other file in a second lane (3 minutes a file).
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
const runsMesh = (f) => /^(strait-up-|readme-quick-start|mesh-apply-admission)/.test(basename(f));

/** One lane: its files one at a time; resolves with the runner's exit code (0 when the lane is empty). */
const lane = (list, timeoutMs) => new Promise((resolve) => {
  if (list.length === 0) return resolve(0);
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', `--test-timeout=${timeoutMs}`, ...list], { stdio: 'inherit', cwd: root });
  child.once('exit', (code) => resolve(code ?? 1));
});

const codes = await Promise.all([lane(chosen.filter(runsMesh), 600_000), lane(chosen.filter((f) => !runsMesh(f)), 180_000)]);
process.exit(codes.every((c) => c === 0) ? 0 : 1);
