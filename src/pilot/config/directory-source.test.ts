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
