// Tests of `strait validate` run as a process: exit 0 and "is valid" for a good file,
// exit 1 with file:line and field path for a bad one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const bin = join(repo, 'bin', 'strait.js');

test('strait validate: 0 for a good file, 1 with path and line for a bad one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-validate-'));
  try {
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(good, 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n');
    writeFileSync(bad, 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: catalog}\nspec:\n  hosts: [catalog]\n  http:\n  - route:\n    - destination: {host: catalog}\n      weight: -1\n');
    const ok = spawnSync(process.execPath, [bin, 'validate', '-f', good], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /good\.yaml" is valid/);
    const ko = spawnSync(process.execPath, [bin, 'validate', '-f', good, '-f', bad], { encoding: 'utf8' });
    assert.equal(ko.status, 1);
    assert.match(ko.stderr, /bad\.yaml:9: VirtualService catalog: spec\.http\[0\]\.route\[0\]\.weight: weight -1 < 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('strait validate refuses what Istio refuses in a security policy, naming the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-validate-'));
  try {
    const ap = join(dir, 'ap.yaml');
    writeFileSync(ap, 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: sa, namespace: bar}\nspec:\n  rules:\n  - from:\n    - source: {serviceAccounts: [bar/sa], namespaces: [bar]}\n');
    const ko = spawnSync(process.execPath, [bin, 'validate', '-f', ap], { encoding: 'utf8' });
    assert.equal(ko.status, 1, ko.stdout);
    assert.match(ko.stderr, /ap\.yaml:7: AuthorizationPolicy bar\/sa: spec\.rules\[0\]\.from\[0\]\.source: cannot set serviceAccounts with namespaces or principals/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
