// Tests of the directory source: initial load, file add/change/delete through fs.watch,
// an invalid change keeps the old object, duplicates are reported (first wins).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectorySource } from './directory-source.js';
import { MemoryConfigStore } from './store.js';

const dr = (name: string, host: string): string =>
  `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${name}\nspec:\n  host: ${host}\n`;

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('directory source follows adds, changes and deletes and keeps the old object on bad input', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-dirsrc-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'a.yaml'), dr('a', 'catalog'));
  const problems: string[] = [];
  const store = new MemoryConfigStore();
  const src = new DirectorySource(dir, store, { onProblem: (m) => problems.push(m) });
  try {
    src.start();
    assert.equal(store.get('DestinationRule', 'default', 'a')?.spec && (store.get('DestinationRule', 'default', 'a')?.spec as { host: string }).host, 'catalog');
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'b' }, spec: { host: 'web' } }));
    await until(() => store.get('DestinationRule', 'default', 'b') !== undefined);
    writeFileSync(join(dir, 'sub', 'a.yaml'), dr('a', '""'));
    await until(() => problems.some((p) => p.includes('sub/a.yaml:6') && p.includes('spec.host: host is required')));
    assert.equal((store.get('DestinationRule', 'default', 'a')?.spec as { host: string }).host, 'catalog');
    writeFileSync(join(dir, 'dup.yaml'), dr('b', 'other'));
    await until(() => problems.some((p) => p.includes('duplicate')));
    assert.equal((store.get('DestinationRule', 'default', 'b')?.spec as { host: string }).host, 'web');
    writeFileSync(join(dir, 'sub', 'a.yaml'), dr('a', 'catalog2'));
    await until(() => (store.get('DestinationRule', 'default', 'a')?.spec as { host: string }).host === 'catalog2');
    rmSync(join(dir, 'b.json'));
    rmSync(join(dir, 'dup.yaml'));
    await until(() => store.get('DestinationRule', 'default', 'b') === undefined);
  } finally {
    src.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an invalid object is not admitted: reported once per version with its file and object, then admitted when fixed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-dirsrc-'));
  const problems: string[] = [];
  const rejected: string[] = [];
  const store = new MemoryConfigStore();
  const src = new DirectorySource(dir, store, {
    onProblem: (m) => problems.push(m), onRejected: (o, errors) => rejected.push(`${o.kind}/${o.metadata.name}: ${errors.map((e) => e.path).join(',')}`),
  });
  try {
    writeFileSync(join(dir, 'bad.yaml'), dr('bad', '""'));
    src.rescan();
    assert.equal(store.get('DestinationRule', 'default', 'bad'), undefined);
    assert.deepEqual(problems, ['bad.yaml:6: DestinationRule bad: spec.host: host is required (not admitted)']);
    assert.deepEqual(rejected, ['DestinationRule/bad: spec.host']);
    writeFileSync(join(dir, 'other.yaml'), dr('other', 'catalog'));
    src.rescan();
    assert.equal(rejected.length, 1, 'the same invalid version is not reported again');
    writeFileSync(join(dir, 'bad.yaml'), dr('bad', '"a b"'));
    src.rescan();
    assert.equal(rejected.length, 2, 'a new invalid version is');
    writeFileSync(join(dir, 'bad.yaml'), dr('bad', 'catalog'));
    src.rescan();
    assert.equal((store.get('DestinationRule', 'default', 'bad')?.spec as { host: string }).host, 'catalog');
    assert.equal(rejected.length, 2);
  } finally {
    src.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a ProxyConfig is validated and kept, with one line saying it has no effect in Strait', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-dirsrc-'));
  const problems: string[] = [];
  const store = new MemoryConfigStore();
  const src = new DirectorySource(dir, store, { onProblem: (m) => problems.push(m) });
  const pc = (concurrency: number): string =>
    `apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\nmetadata:\n  name: pc\n  namespace: apps\nspec:\n  concurrency: ${concurrency}\n`;
  try {
    writeFileSync(join(dir, 'pc.yaml'), pc(2));
    src.rescan();
    src.rescan();
    assert.equal((store.get('ProxyConfig', 'apps', 'pc')?.spec as { concurrency: number }).concurrency, 2);
    assert.deepEqual(problems, ['pc.yaml:1: ProxyConfig apps/pc: ProxyConfig has no effect in Strait: it is validated and kept, but nothing applies it']);
    writeFileSync(join(dir, 'pc.yaml'), pc(-1));
    src.rescan();
    assert.ok(problems[1]?.includes('spec.concurrency'), problems.join('\n'));
    assert.equal((store.get('ProxyConfig', 'apps', 'pc')?.spec as { concurrency: number }).concurrency, 2, 'the invalid version is not admitted');
  } finally {
    src.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
