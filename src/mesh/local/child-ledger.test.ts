// The ledger of a mesh's child processes: only recorded processes that still run (same pid and start
// time) count, and stopping them ends them with SIGTERM, or SIGKILL for one that ignores it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildLedger } from './child-ledger.js';

function ledgerIn(t: { after(fn: () => void): void }): ChildLedger {
  const dir = mkdtempSync(join(tmpdir(), 'strait-ledger-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return new ChildLedger(join(dir, 'mesh.pids'));
}

function start(t: { after(fn: () => void): void }, cmd: string, args: string[]): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => { p.kill('SIGKILL'); });
  return p;
}

const exited = (p: ChildProcess): Promise<unknown> => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r)));

test('running(): recorded processes that still run, not those that exited or whose pid names another process', async (t) => {
  const ledger = ledgerIn(t);
  const live = start(t, 'sleep', ['30']);
  const gone = start(t, 'sleep', ['30']);
  ledger.record(live.pid);
  ledger.record(gone.pid);
  ledger.record(undefined); // a spawn that failed
  appendFileSync(ledger.file, `${JSON.stringify({ pid: process.pid, started: '1' })}\nnot json\n`);
  gone.kill('SIGKILL');
  await exited(gone);
  assert.deepEqual(ledger.running().map((p) => p.pid), [live.pid]);
});

test('stopLeftovers(): SIGTERM, then SIGKILL for a process that ignores it; the records are cleared', async (t) => {
  const ledger = ledgerIn(t);
  const polite = start(t, 'sleep', ['30']);
  const stubborn = start(t, '/bin/sh', ['-c', 'trap "" TERM; echo ignoring; exec sleep 30']);
  await new Promise((r) => stubborn.stdout!.once('data', r)); // its trap is set
  ledger.record(polite.pid);
  ledger.record(stubborn.pid);
  const begun = Date.now();
  const stopped = await ledger.stopLeftovers();
  assert.deepEqual(stopped.sort(), [polite.pid!, stubborn.pid!].sort());
  await Promise.all([exited(polite), exited(stubborn)]);
  assert.equal(polite.signalCode, 'SIGTERM');
  assert.equal(stubborn.signalCode, 'SIGKILL');
  assert.ok(Date.now() - begun >= 3000, 'SIGKILL only after the grace time');
  assert.equal(existsSync(ledger.file), false);
  assert.deepEqual(await ledger.stopLeftovers(), []);
});
