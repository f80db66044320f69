// The `strait up` lock: a live owner keeps it, a dead or reused pid's lock (or a garbled one) is taken
// over, release leaves another owner's lock alone, and of several takers racing for a stale lock one wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireMeshLock, type MeshLock } from './mesh-lock.js';
import { identify } from './process-identity.js';

function lockIn(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'strait-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'mesh.lock');
}

const held = (a: ReturnType<typeof acquireMeshLock>): MeshLock => {
  assert.ok('lock' in a, JSON.stringify(a));
  return a.lock;
};

/** A process that has exited, with the identity it had. */
async function deadProcess(): Promise<{ pid: number; started: string }> {
  const p = spawn('sleep', ['5']);
  const id = identify(p.pid!)!;
  p.kill('SIGKILL');
  await new Promise((r) => p.once('exit', r));
  return id;
}

test('a live owner keeps the lock; released, it can be taken again', (t) => {
  const file = lockIn(t);
  const lock = held(acquireMeshLock(file));
  assert.equal(lock.previousOwner, undefined);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), identify(process.pid));
  // Another process sees this one as the owner (here: the same process asking again).
  assert.deepEqual(acquireMeshLock(file), { owner: process.pid });
  lock.release();
  assert.equal(existsSync(file), false);
  held(acquireMeshLock(file)).release();
});

test('the lock of a dead owner, of a reused pid or a garbled one is taken over', async (t) => {
  const file = lockIn(t);
  const dead = await deadProcess();
  writeFileSync(file, JSON.stringify(dead));
  const lock = held(acquireMeshLock(file));
  assert.equal(lock.previousOwner, dead.pid);
  lock.release();
  // A pid that runs, but started at another time, is another process now.
  writeFileSync(file, JSON.stringify({ pid: process.pid, started: '1' }));
  assert.equal(held(acquireMeshLock(file)).previousOwner, process.pid);
  rmSync(file);
  writeFileSync(file, '{"pid":');
  const taken = held(acquireMeshLock(file));
  assert.equal(taken.previousOwner, undefined);
  taken.release();
});

test('release removes only the holder\'s own lock', (t) => {
  const file = lockIn(t);
  const lock = held(acquireMeshLock(file));
  const other = JSON.stringify({ pid: 1, started: identify(1)?.started ?? '0' });
  writeFileSync(file, other);
  lock.release();
  assert.equal(readFileSync(file, 'utf8'), other);
});

test('processes racing for a stale lock: exactly one takes it', async (t) => {
  const file = lockIn(t);
  writeFileSync(file, JSON.stringify(await deadProcess()));
  const lockModule = fileURLToPath(new URL('./mesh-lock.js', import.meta.url));
  // Each taker holds what it got for a second, so the winner is still alive when the others look.
  const script = `const { acquireMeshLock } = await import(${JSON.stringify(lockModule)});
    const a = acquireMeshLock(${JSON.stringify(file)});
    console.log('lock' in a ? 'lock' : 'owner ' + a.owner);
    setTimeout(() => { if ('lock' in a) a.lock.release(); }, 1000);`;
  const outputs = await Promise.all(Array.from({ length: 4 }, () => new Promise<string>((resolve) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.once('exit', () => resolve(out.trim()));
  })));
  assert.equal(outputs.filter((o) => o === 'lock').length, 1, outputs.join('\n'));
  assert.equal(outputs.filter((o) => /^owner \d+$/.test(o)).length, 3, outputs.join('\n'));
});
