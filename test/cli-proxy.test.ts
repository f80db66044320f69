// `strait proxy` as a user runs it: `node bin/strait.js ...` in a child process, checking exit
// codes and the exact Envoy-style output, and that no stack trace ever reaches the user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOOK_DIR } from '../samples/book-corpus.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found');
    dir = up;
  }
  return dir;
}

const ROOT = repoRoot();
const BIN = join(ROOT, 'bin', 'strait.js');
const CH3 = join(BOOK_DIR, 'ch3');
const STACK_LINE = /^\s+at /m;

interface Run { code: number; stdout: string; stderr: string }

function strait(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 15_000, env: { ...process.env, STRAIT_DEBUG: '' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
  });
}

test('no config: exit 1 with Envoy\'s message', async () => {
  const r = await strait(['proxy']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trimEnd().split('\n').at(-1),
    "error initializing configuration '': At least one of --config-path or --config-yaml or Options::configProto() should be non-empty");
  assert.doesNotMatch(r.stderr, STACK_LINE);
});

test('--mode validate accepts the ch3 configs', async () => {
  const files = ['simple.yaml', 'simple_retry.yaml', 'simple_change_timeout.yaml'];
  const runs = await Promise.all(files.map((f) => strait(['proxy', '--config-path', f, '--mode', 'validate'], CH3)));
  runs.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `configuration '${files[i]}' OK\n`);
  });
  const r = await strait(['proxy', '-c', join(CH3, 'simple.yaml'), '--mode', 'validate', '--config-yaml', 'node: { id: n1 }']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `configuration '${join(CH3, 'simple.yaml')}' OK\n`);
});

test('a bad config file: exit 1, file:line:col and field paths, no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-cli-'));
  try {
    const yaml = `static_resources:
  clusters:
  - name: backend
    connect_timeout: "5"
    typo_field: 1
`;
    writeFileSync(join(dir, 'bad.yaml'), yaml);
    const [r, serve] = await Promise.all([strait(['proxy', '-c', 'bad.yaml', '--mode', 'validate'], dir), strait(['proxy', '-c', 'bad.yaml'], dir)]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, [
      "error initializing configuration 'bad.yaml': 2 errors",
      'bad.yaml:4:22: .static_resources.clusters[0].connect_timeout: invalid duration "5"',
      'bad.yaml:5:5: .static_resources.clusters[0].typo_field: unknown field',
      '',
    ].join('\n'));
    // Serve mode rejects it the same way, before starting anything.
    assert.equal(serve.code, 1);
    assert.equal(serve.stderr, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing file and bad flags fail cleanly', async () => {
  const missing = await strait(['proxy', '-c', 'does-not-exist.yaml', '--mode', 'validate']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error initializing configuration 'does-not-exist\.yaml': does-not-exist\.yaml: unable to read file/);
  for (const args of [['proxy', '--bogus-flag'], ['proxy', '--mode', 'foo'], ['proxy', '--concurrency', 'many'], ['proxy', '-l', 'loud']]) {
    const r = await strait(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /^error: /, args.join(' '));
    assert.doesNotMatch(r.stderr, STACK_LINE);
  }
});

test('--config-yaml alone validates, and reports lines within the yaml', async () => {
  const ok = await strait(['proxy', '--mode', 'validate', '--config-yaml', 'admin: { address: { socket_address: { address: 127.0.0.1, port_value: 9901 } } }']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "configuration '' OK\n");
  const line2 = '  address: { socket_address: { address: 127.0.0.1, port_value: 99999 } }';
  const bad = await strait(['proxy', '--mode', 'validate', '--config-yaml', `admin:\n${line2}`]);
  assert.equal(bad.code, 1);
  const col = line2.indexOf('99999') + 1;
  assert.equal(bad.stderr, "error initializing configuration '': " +
    `--config-yaml:2:${col}: .admin.address.socket_address.port_value: value must be less than or equal to 65535\n`);
});

test('a field Strait does not implement: exit 1 naming it, file:line:col and path', async () => {
  const yaml = [
    'admin:',
    '  address: { socket_address: { address: 127.0.0.1, port_value: 9901 } }',
    '  socket_options: [{ level: 1, name: 2, int_value: 1 }]',
  ].join('\n');
  const bad = await strait(['proxy', '--mode', 'validate', '--config-yaml', yaml]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "error initializing configuration '': " +
    '--config-yaml:3:19: .admin.socket_options: socket_options is not supported by Strait\n');
  assert.doesNotMatch(bad.stderr, STACK_LINE);
});

test('strait --help lists the proxy command; strait version prints the client version as istioctl does', async () => {
  const help = await strait(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^\s+proxy \[options\]\s+run an Envoy-compatible proxy/m);
  assert.match(help.stdout, /^\s+version\s/m);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
  const v = await strait(['version', '--remote=false']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `client version: ${version}\n`);
  assert.equal((await strait(['version', '--short'])).stdout, `${version}\n`);
});
