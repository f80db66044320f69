// Test helper: runs `strait up ARGS` in a $STRAIT_HOME until "mesh ready", and when the test ends
// stops it and removes the home; the output so far is kept for failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeshState } from '../../src/mesh/local/state.js';
import { STRAIT_BIN, terminate } from './proxy-process.js';
import { straitWithHome, type CliResult } from './strait-cli.js';
import { waitFor } from './wait.js';

type TestContext = { after(fn: () => Promise<void>): void };

/** A running `strait up`. */
export interface RunningMesh {
  home: string;
  proc: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** mesh.json as written once the mesh was ready. */
  state: MeshState;
  /** Runs another `strait` command against this mesh. */
  run(args: string[]): Promise<CliResult>;
}

/** A fresh $STRAIT_HOME (startMesh removes it when the test ends). */
export const newHome = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** Starts `strait up ARGS` in `home` and waits up to `readyMs` for "mesh ready". */
export async function startMesh(t: TestContext, home: string, args: string[], readyMs: number): Promise<RunningMesh> {
  const proc = spawn(process.execPath, [STRAIT_BIN, 'up', ...args], { env: { ...process.env, STRAIT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  t.after(async () => {
    if (proc.exitCode === null) await terminate(proc);
    rmSync(home, { recursive: true, force: true });
  });
  await waitFor('strait up to be ready', readyMs, () => (/mesh ready/.test(out) ? true : undefined), 50).catch((e: Error) => {
    throw new Error(`${e.message}\n${out}`);
  });
  const state = JSON.parse(readFileSync(join(home, 'mesh.json'), 'utf8')) as MeshState;
  return { home, proc, output: () => out, state, run: (a) => straitWithHome(home, a) };
}
