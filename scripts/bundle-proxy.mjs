// Bundles `strait proxy`'s entry (dist/src/cli/proxy-main.js, with its node_modules) into one ES module,
// dist/bundle/proxy.mjs, which bin/strait.js runs: a sidecar then compiles one file instead of loading ~330 modules.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Modules loaded on first use are required synchronously through `createRequire(import.meta.url)`, which a
 * bundler cannot follow (src/proxy/util/on-first-use.ts, src/xds/registry.ts and the grpc-js require). Rewritten
 * to plain `require('./x.js')`, which esbuild bundles as a module run on its first require; the registry's
 * computed path becomes a pattern esbuild bundles every generated module for.
 */
function rewriteLazyRequires(file, text) {
  if (file.endsWith(join('util', 'on-first-use.js'))) {
    return 'export function onFirstUse(load) {\n  let loaded;\n  return () => (loaded ??= load());\n}\n';
  }
  let out = text.replace(/onFirstUse\(new URL\(('[^']+'), import\.meta\.url\)\)/g, 'onFirstUse(() => require($1))');
  for (const [line, name] of out.matchAll(/(?:const|let) (\w+) = createRequire\(import\.meta\.url\);\n/g)) {
    out = out.replace(line, '');
    if (name !== 'require') out = out.replace(new RegExp(`\\b${name}\\(`, 'g'), 'require(');
  }
  out = out.replace(/createRequire\(import\.meta\.url\)\(/g, 'require(')
    .replace('require(`./gen/${module.slice(2)}`)', 'require(`./gen/${module.slice(2, -3)}.js`)');
  const left = /createRequire\(import\.meta\.url\)|new URL\([^)]*import\.meta\.url\)|require\(`(?!\.\/gen\/\$\{module\.slice\(2, -3\)\}\.js`\))/.exec(out);
  if (left) throw new Error(`${relative(root, file)}: cannot bundle a module loaded by \`${left[0]}\`: see scripts/bundle-proxy.mjs`);
  return out;
}

const started = Date.now();
const result = await esbuild.build({
  entryPoints: [join(root, 'dist', 'src', 'cli', 'proxy-main.js')],
  outfile: join(root, 'dist', 'bundle', 'proxy.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // An ES module has no `require`: the bundle's own, for node's built-ins that CommonJS packages require.
  banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
  plugins: [{
    name: 'lazy-requires',
    setup(build) {
      build.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        return /import\.meta\.url|onFirstUse\(/.test(text) ? { contents: rewriteLazyRequires(args.path, text), loader: 'js' } : undefined;
      });
    },
  }],
  logLevel: 'warning',
  metafile: true,
  // Linked to the TypeScript sources (through tsc's maps): `NODE_OPTIONS=--enable-source-maps` puts them in stack traces.
  sourcemap: 'linked',
  sourcesContent: false,
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundled dist/bundle/proxy.mjs (${(bytes / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
