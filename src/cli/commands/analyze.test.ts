// Tests of `strait analyze` run as a process: the istioctl message line and exit 79 on an error,
// the "No validation issues" line and exit 0 on a clean set, a CliError for a missing file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOOK_DIR } from '../../../samples/book-corpus.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const bin = join(repo, 'bin', 'strait.js');
const BOOK = BOOK_DIR;
const home = mkdtempSync(join(tmpdir(), 'strait-analyze-'));

function strait(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  // A home with no mesh: the files alone are analyzed, whatever runs in ~/.strait.
  return spawnSync(process.execPath, [bin, 'analyze', ...args], { encoding: 'utf8', env: { ...process.env, STRAIT_HOME: home } });
}

test('strait analyze: IST0101 and exit 79, then a clean run and exit 0', () => {
  const vs = join(BOOK, 'ch2', 'catalog-virtualservice-all-v1.yaml');
  const svc = join(BOOK, 'services', 'catalog', 'kubernetes', 'catalog.yaml');
  const ko = strait('-f', vs, '-f', svc, '-n', 'istioinaction');
  assert.equal(ko.status, 79, ko.stderr);
  assert.equal(
    ko.stdout,
    `Error [IST0101] (VirtualService istioinaction/catalog ${vs}:12) Referenced host+subset in destinationrule not found: "catalog+version-v1"\n`,
  );
  assert.match(ko.stderr, /^Error: Analyzers found issues when analyzing namespace: istioinaction\./);
  const ok = strait('-f', vs, '-f', svc, '-f', join(BOOK, 'ch2', 'catalog-destinationrule.yaml'), '-n', 'istioinaction');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '\u2714 No validation issues found when analyzing namespace: istioinaction.\n');
});

test('strait analyze: a missing file is one line, no stack trace', () => {
  const r = strait('-f', join(BOOK, 'no-such.yaml'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^strait analyze: cannot read .*no-such\.yaml: no such file or directory\n$/);
});
