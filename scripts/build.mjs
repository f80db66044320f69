// `npm run build`: the generated protos (gen-protos.mjs skips when its inputs are unchanged), then tsc
// --incremental, skipped when dist/ is newer than every source, then the proxy's bundle (after each compile),
// then the dashboard page (`npm run build:web`),
// skipped when dist/dashboard-web is newer than its sources: `npm start` after `npm install` starts at once.
// It leaves the checkout's own modification time as it found it, so npx keeps trusting npm's record of node_modules.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lastCompileMs } from './last-compile.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Written after every build that succeeded: dist/ is up to date with the sources older than it. */
const stamp = join(root, 'dist', '.build-stamp');
const SOURCE_DIRS = ['src', 'test', 'bench', 'samples'];

/** The newest modification time among package.json, tsconfig.json and the files of `dirs` whose names `counts`. */
function newestSource(dirs, counts) {
  let newest = Math.max(statSync(join(root, 'tsconfig.json')).mtimeMs, statSync(join(root, 'package.json')).mtimeMs);
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (counts(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return newest;
}

/** Runs `build` unless `stampFile` is newer than `newest`; then dates the stamp when the build started. */
function buildUnlessFresh(what, stampFile, newest, build) {
  if (existsSync(stampFile) && statSync(stampFile).mtimeMs >= newest) {
    console.log(`${what} is up to date`);
    return;
  }
  const started = Date.now();
  build();
  // Dated when the build started: a source edited while it ran is newer, and the next build takes it.
  writeFileSync(stampFile, `${new Date(started).toISOString()}\n`);
  utimesSync(stampFile, new Date(started), new Date(started));
  console.log(`built ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * npm's record of node_modules (node_modules/.package-lock.json) counts as out of date once the checkout's
 * directory is newer than it; then every `npx strait` reads the whole node_modules tree first (seconds, with
 * no output). Creating dist/ and build/ here would make it so after `npm install`: the time is put back after.
 */
const rootTimes = statSync(root);
const restoreRootTime = () => {
  if (statSync(root).mtimeMs !== rootTimes.mtimeMs) utimesSync(root, rootTimes.atime, rootTimes.mtime);
};
process.on('exit', restoreRootTime);

execFileSync(process.execPath, [join(root, 'scripts', 'gen-protos.mjs')], { stdio: 'inherit' });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
buildUnlessFresh('dist/', stamp, newestSource(SOURCE_DIRS.map((d) => join(root, d)), (n) => n.endsWith('.ts') || n === '.stamp'), () => {
  // The build info lives in dist/: removing dist/ makes the next build a full one (tsc does not check its outputs).
  execFileSync(process.execPath, [tsc, '-p', root, '--incremental', '--tsBuildInfoFile', join(root, 'dist', '.tsbuildinfo')], { stdio: 'inherit' });
});
// The proxy's one-file bundle (scripts/bundle-proxy.mjs), made again after every compile of dist/ (this one's or
// a bare tsc's: bin/strait.js runs the bundle only when it is newer than these files).
const compiled = Math.max(statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0, lastCompileMs(pathToFileURL(`${root}/`)));
buildUnlessFresh('dist/bundle/', join(root, 'dist', 'bundle', '.build-stamp'), compiled, () => {
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-proxy.mjs')], { stdio: 'inherit' });
});
const web = join(root, 'src', 'dashboard', 'web');
buildUnlessFresh('dist/dashboard-web/', join(root, 'dist', 'dashboard-web', '.build-stamp'), newestSource([web], (n) => /\.(tsx?|css|html|json)$/.test(n)), () => {
  execFileSync(process.execPath, [tsc, '-p', web], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(web, 'vite.config.ts')], { stdio: 'inherit', cwd: root });
});
