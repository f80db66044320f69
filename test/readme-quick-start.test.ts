// README.md's quick start, run as written from a fresh clone of this repository: the commands of the
// fenced blocks of its "Quick start" section, each with what a reader should see (a command without one fails).
// Without network, `npm install` is the repository's node_modules linked in and npm's `prepare` (the build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/proxy-process.js';
import { straitWithHome } from './lib/strait-cli.js';
import { waitFor } from './lib/wait.js';

/** The commands of the fenced blocks of README's "Quick start" section (up to its next heading), comments dropped. */
export function quickStartCommands(readme: string): string[][] {
  const start = readme.indexOf('\n## Quick start\n');
  assert.ok(start >= 0, 'README.md has a "## Quick start" section');
  const rest = readme.slice(start + 1);
  const end = rest.slice(1).search(/\n#{2,3} /);
  const section = end < 0 ? rest : rest.slice(0, end + 1);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== ''));
}

interface Result { code: number; stdout: string; out: string }
type Expectation = (r: Result) => void;
const ok = (re: RegExp): Expectation => (r) => { assert.equal(r.code, 0, r.out); assert.match(r.out, re); };

/** What each command of the second block shows (by its beginning). */
const EXPECTED: [RegExp, Expectation][] = [
  [/^curl http:\/\/127\.0\.0\.1:8080\/api\/catalog$/, (r) => { assert.equal(r.code, 0, r.out); assert.equal((JSON.parse(r.stdout) as unknown[]).length, 4); }],
  [/^npx strait get pods/, ok(/^catalog-\w+\s+2\/2\s+Running/m)],
  [/^npx strait chaos catalog 500 50$/, ok(/^catalog-\w+: \d{3}$/m)],
  [/^npx strait apply -f samples\/book\/ch2\/catalog-virtualservice\.yaml/, ok(/virtualservice\.networking\.istio\.io\/catalog (created|configured)/)],
  [/^npx strait proxy-config routes deploy\/istio-ingressgateway/, ok(/webapp/)],
  [/^npx strait proxy-status$/, ok(/SYNCED/)],
  [/^npx strait logs deploy\/catalog/, (r) => assert.equal(r.code, 0, r.out)],
  [/^npx strait exec deploy\/webapp .* curl -s http:\/\/catalog\.istioinaction\/items$/, ok(/"id"/)],
  [/^npx strait version$/, ok(/client version: /i)],
  [/^npx strait verify-install$/, ok(/Strait is installed and verified successfully/)],
  [/^npx strait dashboard envoy deploy\/catalog/, ok(/^http:\/\/127\.\d+\.\d+\.\d+:15000\n/)],
  [/^npx strait dashboard$/, ok(/^http:\/\/127\.0\.0\.1:\d+\/\n/)],
  [/^npx strait dashboard kiali$/, ok(/^http:\/\/127\.0\.0\.1:\d+\/#\/graph\n/)],
  // The comment says it needs `strait up --addons`: without them, a clear refusal.
  [/^npx strait dashboard zipkin$/, (r) => { assert.equal(r.code, 1, r.out); assert.match(r.out, /no zipkin pods found.*--addons/); }],
  [/^npx strait down$/, ok(/mesh stopped/)],
];

/** Runs a README line with sh in `cwd`; a bounded run, its exit code and output (stdout then stderr). */
function sh(line: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve) => {
    const p = spawn('sh', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout: out, out: out + err }); });
  });
}

/** Removes what `npx strait` in `checkout` left in npm's cache: npx installs the checkout (file:) under _npx/<hash>. */
function forgetNpxInstall(checkout: string): void {
  const npx = join(process.env['npm_config_cache'] ?? join(homedir(), '.npm'), '_npx');
  if (!existsSync(npx)) return;
  for (const d of readdirSync(npx)) {
    const manifest = join(npx, d, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(`"${checkout}"`)) rmSync(join(npx, d), { recursive: true, force: true });
  }
}

test('README quick start, as written, from a fresh clone', { timeout: 600_000 }, async (t) => {
  const commands = quickStartCommands(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
  assert.deepEqual(commands[0], ['npm install', 'npm start'], 'the first block installs and starts');
  const work = mkdtempSync(join(tmpdir(), 'strait-readme-'));
  const clone = join(work, 'strait');
  const home = join(work, 'home');
  const env = { ...process.env, STRAIT_HOME: home, npm_config_update_notifier: 'false' };
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone]);
  // `npm install`, offline: the repository's packages, then what npm runs after installing them (prepare: the build).
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'));
  const timings: string[] = [];
  let at = Date.now();
  const install = await sh('npm run prepare', clone, env, 480_000);
  assert.equal(install.code, 0, install.out);
  timings.push(`npm install's build ${((Date.now() - at) / 1000).toFixed(1)} s`);

  // `npm start` runs until the mesh is ready; the build it starts with has nothing to do.
  at = Date.now();
  const start = spawn('sh', ['-c', 'npm start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let startOut = '';
  start.stdout.on('data', (d) => { startOut += d; });
  start.stderr.on('data', (d) => { startOut += d; });
  t.after(async () => {
    // npm start's process group (sh, npm, strait up), then what a killed `up` left, then the files.
    if (start.exitCode === null) {
      const exited = new Promise((r) => start.once('exit', r));
      process.kill(-start.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    if (existsSync(join(home, 'mesh.pids'))) await straitWithHome(home, ['down']);
    rmSync(work, { recursive: true, force: true });
    forgetNpxInstall(clone);
  });
  await waitFor('npm start to be ready', 120_000, () => (/mesh ready/.test(startOut) ? true : start.exitCode !== null ? false : undefined), 100)
    .then((ready) => assert.ok(ready, `npm start exited:\n${startOut}`), (e: Error) => { throw new Error(`${e.message}\n${startOut}`); });
  assert.match(startOut, /dist\/ is up to date/, 'npm start after npm install compiles nothing');
  assert.match(startOut, /ingress gateway ports published on 127\.0\.0\.1: .*8080 \(http2\)/);
  timings.push(`npm start to ready ${((Date.now() - at) / 1000).toFixed(1)} s`);

  // The second block: the commands README says to run in a second terminal (later blocks show more forms).
  for (const line of commands[1] ?? []) {
    const expectation = EXPECTED.find(([re]) => re.test(line));
    assert.ok(expectation, `README quick start command without an expectation in this test: ${line}`);
    at = Date.now();
    const r = await sh(line, clone, env);
    timings.push(`${line.slice(0, 40)} ${((Date.now() - at) / 1000).toFixed(1)} s`);
    try {
      expectation[1](r);
    } catch (e) {
      throw new Error(`README command \`${line}\`: ${(e as Error).message}`);
    }
  }
  await waitFor('npm start to end after strait down', 30_000, () => (start.exitCode !== null ? true : undefined), 100);
  t.diagnostic(timings.join('; '));
});
