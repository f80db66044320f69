// Route-regex engines side by side: JS RegExp (backtracking, the old baseline), re2js, re2-wasm
// (Google's RE2 in WASM) and Strait's RE2 module (re2js behind src/proxy/util/re2.ts); ns per
// full match (CPU time, medians of batches), compile cost, and the pathological /re/(a+)+$ case.
// `node dist/bench/regex-engines.js [--samples 21] [--skip-js-evil] [--out FILE]`
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { RE2JS } from 're2js';
import { RE2 as WasmRe2 } from 're2-wasm';
import { arg, median } from './lib/bench-util.js';
import { Re2 } from '../src/proxy/util/re2.js';

const SAMPLES = Number(arg('samples', '21'));
const SAMPLE_MS = 5;
const SKIP_JS_EVIL = process.argv.includes('--skip-js-evil');
const EVIL = `/re/${'a'.repeat(31)}!`;

/** A codec's view of a UTF-8 path: one char per byte. */
const wire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

interface Case { name: string; pattern: string; input: string; rewrite?: string }

const CASES: Case[] = [
  { name: 'route hit', pattern: '^/api/v[0-9]+/items/[^/]+$', input: '/api/v2/items/abc-123' },
  { name: 'route miss', pattern: '^/api/v[0-9]+/items/[^/]+$', input: '/api/v2/orders/abc-123/details' },
  { name: 'alternation', pattern: '/(users|orders|carts)/[0-9]{1,10}', input: '/orders/1234567' },
  { name: 'header (?i)', pattern: '(?i)bearer [a-z0-9._-]+', input: 'Bearer eyJhbGciOi.abc-123' },
  { name: 'non-ASCII path', pattern: '/caf./menu', input: '/café/menu' },
  { name: `pathological (${EVIL.length} B)`, pattern: '/re/(a+)+$', input: EVIL },
  { name: 'rewrite \\2/instance/\\1', pattern: '^/service/([^/]+)(/.*)$', input: '/service/foo/v1/api', rewrite: '\\2/instance/\\1' },
];

/** One engine: compiles a case into a function doing one full match (or one rewrite). */
interface Engine { name: string; prepare(c: Case): () => unknown }

const jsRewrite = (r: string): string => r.replace(/\\(\d)/g, '$$$1');
/** JS RegExp has no inline `(?i)`: a leading one becomes the `i` flag. */
const jsRegExp = (pattern: string, anchored: boolean, flags: string): RegExp => {
  const i = pattern.startsWith('(?i)');
  const p = i ? pattern.slice(4) : pattern;
  return new RegExp(anchored ? `^(?:${p})$` : p, `${flags}${i ? 'i' : ''}`);
};
const ENGINES: Engine[] = [
  {
    name: 'JS RegExp',
    prepare: (c) => {
      if (c.rewrite !== undefined) {
        const re = jsRegExp(c.pattern, false, 'gu');
        const sub = jsRewrite(c.rewrite);
        return () => c.input.replace(re, sub);
      }
      const re = jsRegExp(c.pattern, true, 'u');
      return () => re.test(c.input);
    },
  },
  {
    name: 're2js',
    prepare: (c) => {
      const re = RE2JS.compile(c.pattern);
      if (c.rewrite !== undefined) {
        const sub = jsRewrite(c.rewrite);
        return () => re.matcher(c.input).replaceAll(sub);
      }
      return () => re.testExact(c.input);
    },
  },
  {
    name: 're2-wasm',
    prepare: (c) => {
      if (c.rewrite !== undefined) {
        const re = new WasmRe2(c.pattern, 'gu');
        const sub = jsRewrite(c.rewrite);
        return () => re.replace(c.input, sub);
      }
      const re = new WasmRe2(`^(?:${c.pattern})$`, 'u');
      return () => re.test(c.input);
    },
  },
  {
    name: 'Strait Re2 (re2js)',
    prepare: (c) => {
      // The proxy's inputs are byte strings from the codecs.
      const input = wire(c.input);
      const re = Re2.compile(c.pattern);
      if (c.rewrite !== undefined) {
        const rw = re.rewrite(c.rewrite);
        return () => re.globalReplace(input, rw);
      }
      return () => re.fullMatch(input);
    },
  },
];


let sink = 0;
const keep = (v: unknown): void => { if (v === true || typeof v === 'string') sink++; };

/** This process's CPU time in ns: on a shared machine, wall time would count other processes' turns. */
const cpuNs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

/** How many calls of `fn` take ~SAMPLE_MS of CPU, after a warm-up (JIT, DFA state caches). */
function batchSize(fn: () => unknown): number {
  for (let i = 0; i < 500; i++) keep(fn());
  let iters = 16;
  for (;;) {
    const t = cpuNs();
    for (let i = 0; i < iters; i++) keep(fn());
    if (cpuNs() - t >= SAMPLE_MS * 1e6 || iters >= 1 << 24) return iters;
    iters *= 2;
  }
}

/** CPU ns per call of each function: SAMPLES rounds, each timing one batch of every function in turn; medians. */
function nsPerCall(fns: (() => unknown)[]): number[] {
  const sizes = fns.map(batchSize);
  const out: number[][] = fns.map(() => []);
  for (let s = 0; s < SAMPLES; s++) {
    fns.forEach((fn, k) => {
      const n = sizes[k]!;
      const t = cpuNs();
      for (let i = 0; i < n; i++) keep(fn());
      out[k]!.push((cpuNs() - t) / n);
    });
  }
  return out.map(median);
}

/** One call's CPU time, for what is too slow to repeat. */
function nsOnce(fn: () => unknown): number {
  const t = cpuNs();
  keep(fn());
  return cpuNs() - t;
}

const fmt = (ns: number): string => (ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${Math.round(ns)} ns`);

const rows: Record<string, Record<string, number | string>> = {};
for (const c of CASES) {
  const row: Record<string, number | string> = {};
  const timed = ENGINES.filter((e) => !(e.name === 'JS RegExp' && c.input === EVIL));
  const ns = nsPerCall(timed.map((e) => e.prepare(c)));
  timed.forEach((e, k) => { row[e.name] = ns[k]!; });
  if (timed.length < ENGINES.length) {
    if (SKIP_JS_EVIL) {
      row['JS RegExp'] = 'skipped';
    } else {
      // V8 interprets a regex's first runs and compiles it to native code after: warm it on a
      // short input first, as a proxy's route table is warm.
      const js = ENGINES[0]!;
      const warm = js.prepare({ ...c, input: '/re/aaaa!' });
      for (let i = 0; i < 100; i++) keep(warm());
      row['JS RegExp'] = nsOnce(js.prepare(c));
    }
  }
  rows[c.name] = row;
}

// Compile cost: the patterns above, compiled in turn. re2-wasm never frees a compiled RE2 and its
// WASM heap is fixed (16 MiB): its count of compiles here stays well below what exhausts it.
const patterns = [...new Set(CASES.map((c) => c.pattern))];
const compilers: Record<string, (p: string) => unknown> = {
  'JS RegExp': (p) => jsRegExp(p, true, 'u'),
  're2js': (p) => RE2JS.compile(p),
  're2-wasm': (p) => new WasmRe2(`^(?:${p})$`, 'u'),
  'Strait Re2 (re2js)': (p) => Re2.compile(p),
};
const compileNs = nsPerCall(Object.values(compilers).map((compile) => {
  let i = 0;
  return () => compile(patterns[i++ % patterns.length]!) !== undefined;
}));
const compileRow: Record<string, number> = {};
Object.keys(compilers).forEach((name, k) => { compileRow[name] = compileNs[k]!; });

const names = ENGINES.map((e) => e.name);
console.log(`| case (CPU ns per match, median of ${SAMPLES}) | ${names.join(' | ')} |`);
console.log(`|---|${names.map(() => '---:').join('|')}|`);
for (const [c, r] of Object.entries(rows)) {
  console.log(`| ${c} | ${names.map((n) => (typeof r[n] === 'number' ? fmt(r[n] as number) : r[n])).join(' | ')} |`);
}
console.log(`| compile (per pattern) | ${names.map((n) => fmt(compileRow[n]!)).join(' | ')} |`);
console.log(`(JS RegExp on the pathological path: one call after warming, timed once.) sink=${sink}`);

const out = arg('out', '');
if (out !== '') {
  writeFileSync(out, `${JSON.stringify({
    date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length,
    samples: SAMPLES, sampleMs: SAMPLE_MS, unit: 'CPU ns per call', rows, compile: compileRow,
  }, null, 2)}\n`);
}
