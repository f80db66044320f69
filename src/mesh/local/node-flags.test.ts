// Tests of shebangNodeFlags: the flags of bin/strait.js's shebang, which the mesh's proxies get too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shebangNodeFlags } from './node-flags.js';

const STRAIT_BIN = fileURLToPath(new URL('../../../../bin/strait.js', import.meta.url));

test('bin/strait.js runs node with a 4 MB young generation, and so do the proxies the mesh starts', () => {
  assert.deepEqual(shebangNodeFlags(STRAIT_BIN), ['--max-semi-space-size=4']);
});

test('a script without node flags, or without a shebang, gives none', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'node-flags-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const plain = join(dir, 'plain.js');
  writeFileSync(plain, '#!/usr/bin/env node\nconsole.log(1);\n');
  const none = join(dir, 'none.js');
  writeFileSync(none, 'console.log(1);\n');
  assert.deepEqual(shebangNodeFlags(plain), []);
  assert.deepEqual(shebangNodeFlags(none), []);
});
