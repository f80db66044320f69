// Test helper: runs `strait up ARGS` in a $STRAIT_HOME until "mesh ready", and when the test ends
// stops it (and whatever a killed one left) and removes the home; the output so far is kept for failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeshState } from '../../src/mesh/local/state.js';
import { STRAIT_BIN, terminate } from './proxy-process.js';
import { straitWithHome, type CliResult } from './strait-cli.js';
import { waitFor } from './wait.js';

type TestContext = { after(fn: () => Promise<void>): void };

/** A `strait up` process, ready or not. */
export interface LaunchedMesh {
  home: string;
  proc: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Waits up to `readyMs` for "mesh ready". */
  ready(readyMs: number): Promise<RunningMesh>;
}

/** A running `strait up`. */
export interface RunningMesh extends Omit<LaunchedMesh, 'ready'> {
  /** mesh.json as written once the mesh was ready. */
  state: MeshState;
  /** Runs another `strait` command against this mesh. */
  run(args: string[]): Promise<CliResult>;
}

/** A fresh $STRAIT_HOME (launchMesh removes it when the test ends). */
export const newHome = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** Whether the process has not exited yet (by itself or on a signal). */
export const isRunning = (proc: ChildProcess): boolean => proc.exitCode === null && proc.signalCode === null;

/** Spawns `strait up ARGS` in `home`; when the test ends it is stopped, and `strait down` stops what a killed one left. */
export function launchMesh(t: TestContext, home: string, args: string[]): LaunchedMesh {
  const proc = spawn(process.execPath, [STRAIT_BIN, 'up', ...args], { env: { ...process.env, STRAIT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const closed = new Promise((r) => proc.once('close', r)); // its output is all read
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  t.after(async () => {
    if (isRunning(proc)) await terminate(proc);
    if (existsSync(join(home, 'mesh.pids'))) await straitWithHome(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const output = (): string => out;
  return {
    home, proc, output,
    async ready(readyMs: number): Promise<RunningMesh> {
      const how = await waitFor('strait up to be ready', readyMs, () => {
        if (/mesh ready/.test(out)) return 'ready';
        return isRunning(proc) ? undefined : 'exited';
      }, 50).catch((e: Error) => {
        throw new Error(`${e.message}\n${out}`);
      });
      if (how === 'exited') {
        await closed;
        throw new Error(`strait up exited before it was ready\n${out}`);
      }
      const state = JSON.parse(readFileSync(join(home, 'mesh.json'), 'utf8')) as MeshState;
      return { home, proc, output, state, run: (a) => straitWithHome(home, a) };
    },
  };
}

/** Starts `strait up ARGS` in `home` and waits up to `readyMs` for "mesh ready". */
export function startMesh(t: TestContext, home: string, args: string[], readyMs: number): Promise<RunningMesh> {
  return launchMesh(t, home, args).ready(readyMs);
}
