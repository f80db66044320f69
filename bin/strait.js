#!/usr/bin/env -S node --max-semi-space-size=4
// (A 4 MB young generation keeps the proxy's memory under 100 MB at no measured CPU cost: docs/performance.md.)
// The `strait` command: a tiny shim that runs the compiled CLI from dist/.
// Plain JS so it works before the build, where it says how to build.
import { existsSync, statSync } from 'node:fs';
import { lastCompileMs } from '../scripts/last-compile.mjs';

// Strait loads generated types and extensions on first use with a synchronous require of ES modules.
if (!process.features.require_module) {
  process.stderr.write(`strait: Node ${process.version} cannot require ES modules: Strait needs Node >= 20.19\n`);
  process.exit(1);
}
const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('strait: dist/ is missing: run `npm run build` first\n');
  process.exit(1);
}
// `strait proxy` (a sidecar's start-up) loads only its own command, from one bundled file when `npm run build`
// made it after the last compile (a bare `tsc` leaves it stale: then the modules): docs/performance.md.
const entry = process.argv[2] !== 'proxy' ? main : freshBundle() ?? new URL('../dist/src/cli/proxy-main.js', import.meta.url);
const cli = await import(entry.href);
cli.installProcessGuards();
const code = await cli.run(process.argv);
// On success the proxy may still be serving: let the event loop decide when to exit (with the
// exit code a command may have set, as apply does when an object was refused).
if (code !== 0) process.exit(code);

/** dist/bundle/proxy.mjs unless missing or older than what tsc last wrote. */
function freshBundle() {
  const bundle = new URL('../dist/bundle/proxy.mjs', import.meta.url);
  const built = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return built > 0 && built >= lastCompileMs(new URL('../', import.meta.url)) ? bundle : undefined;
}
