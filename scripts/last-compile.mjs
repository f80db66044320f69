// When tsc last wrote dist/: its build info (in dist/ from `npm run build`, in the checkout from a bare `tsc`) or the
// proxy's entry. The proxy bundle is fresh only if made after it: scripts/build.mjs makes it, bin/strait.js runs it.
import { statSync } from 'node:fs';

/** The newest of those modification times (ms), 0 when none exists; `root` is the checkout's directory URL. */
export function lastCompileMs(root) {
  return Math.max(...['dist/.tsbuildinfo', '.tsbuildinfo', 'dist/src/cli/proxy-main.js']
    .map((p) => statSync(new URL(p, root), { throwIfNoEntry: false })?.mtimeMs ?? 0));
}
