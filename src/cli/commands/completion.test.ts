// Tests of `strait completion`: the real command's bash script, sourced by bash, registers the
// completion and completes subcommands and flags at each level of the command tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { STRAIT_BIN } from '../../../test/lib/proxy-process.js';

const bash = (script: string): string => execFileSync('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
const complete = (words: string[]): string[] => bash(
  `source <(${JSON.stringify(process.execPath)} ${JSON.stringify(STRAIT_BIN)} completion bash); COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _strait; printf '%s\\n' "\${COMPREPLY[@]}"`,
).split('\n').filter(Boolean);

test('bash: `source <(strait completion bash); complete -p strait` works', () => {
  const out = bash(`source <(${JSON.stringify(process.execPath)} ${JSON.stringify(STRAIT_BIN)} completion bash); complete -p strait`);
  assert.equal(out.trim(), 'complete -o default -F _strait strait');
});

test('completes subcommands, aliases and flags at every level', () => {
  assert.deepEqual(complete(['strait', 'proxy-c']), ['proxy-config']);
  assert.deepEqual(complete(['strait', 'pc', 'rou']), ['routes', 'route']);
  assert.deepEqual(complete(['strait', 'get', 'pods', '--']).sort(), ['--all-namespaces', '--help', '--namespace', '--output', '--watch']);
  assert.deepEqual(complete(['strait', 'x', 'describe', 'p']).sort(), ['po', 'pod']);
  assert.ok(complete(['strait', '']).includes('completion'));
});

test('zsh gets the same script through bashcompinit; other shells are refused', () => {
  const zsh = execFileSync(process.execPath, [STRAIT_BIN, 'completion', 'zsh'], { encoding: 'utf8' });
  assert.match(zsh, /^#compdef strait\nautoload -U \+X bashcompinit && bashcompinit\n/);
  assert.throws(() => execFileSync(process.execPath, [STRAIT_BIN, 'completion', 'fish'], { stdio: 'pipe' }), (e: { status: number; stderr: Buffer }) =>
    e.status === 1 && /unsupported shell type "fish"/.test(e.stderr.toString()));
});
