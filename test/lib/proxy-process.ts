// Test helper: runs `strait proxy` as a child process on a config, finds its admin and
// listener ports (port 0 everywhere), and stops it. Only loopback addresses are used.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/test/lib -> three levels up). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const STRAIT_BIN = join(REPO_ROOT, 'bin', 'strait.js');

/** A running proxy process. */
export interface RunningProxy {
  child: ChildProcess;
  adminPort: number;
  /** stdout+stderr so far. */
  output(): string;
  /** The bound port of a listener, from /listeners. */
  listenerPort(name: string): Promise<number>;
  admin(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts `strait proxy` on the YAML text; rejects with its output if it exits early. */
export async function startProxy(yaml: string, extraArgs: string[] = []): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'strait-test-'));
  const cfg = join(dir, 'envoy.yaml');
  const addrFile = join(dir, 'admin-address');
  writeFileSync(cfg, yaml);
  const child = spawn(process.execPath, [STRAIT_BIN, 'proxy', '-c', cfg, '--admin-address-path', addrFile, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  let exited = false;
  child.once('exit', () => { exited = true; });
  const deadline = Date.now() + 30_000;
  while (!existsSync(addrFile) || readFileSync(addrFile, 'utf8').trim() === '') {
    if (exited) throw new Error(`proxy exited early:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`proxy did not start in 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const addr = readFileSync(addrFile, 'utf8').trim();
  const adminPort = Number(addr.slice(addr.lastIndexOf(':') + 1));
  const admin = (path: string, init?: RequestInit): Promise<Response> => fetch(`http://127.0.0.1:${adminPort}${path}`, init);
  return {
    child,
    adminPort,
    output: () => out,
    admin,
    async listenerPort(name: string): Promise<number> {
      const text = await (await admin('/listeners')).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}::`));
      if (line === undefined) throw new Error(`no listener ${name} in:\n${text}`);
      return Number(line.slice(line.lastIndexOf(':') + 1));
    },
    async stop(): Promise<void> {
      if (!exited) await terminate(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
export async function terminate(child: ChildProcess): Promise<void> {
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
}
