// Test helper for Envoy's sandbox configs (test/fixtures/envoy-sandboxes): reads one, swaps its
// addresses for loopback ones, and runs it with `strait proxy` until its first listener answers.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, STRAIT_BIN, terminate } from './proxy-process.js';

/** The fixture's text. */
export function sandboxConfig(name: string): string {
  return readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'envoy-sandboxes', name), 'utf8');
}

/** Applies exact-text replacements, failing loudly when one matches nothing (the fixture changed). */
export function adapt(yaml: string, swaps: readonly (readonly [string, string])[]): string {
  let out = yaml;
  for (const [from, to] of swaps) {
    if (!out.includes(from)) throw new Error(`fixture has no '${from}'`);
    out = out.split(from).join(to);
  }
  return out;
}

/** A loopback port that was free a moment ago (for configs whose listeners have no names). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** `strait proxy --mode validate` on YAML text: exit code and output. */
export function validate(yaml: string): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'strait-sandbox-'));
  const file = join(dir, 'envoy.yaml');
  writeFileSync(file, yaml);
  return new Promise((resolve) => {
    execFile(process.execPath, [STRAIT_BIN, 'proxy', '-c', file, '--mode', 'validate'], { timeout: 20_000 },
      (err, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : 1), output: stdout + stderr });
      });
  });
}

/** A sandbox proxy process. */
export interface SandboxProxy {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Runs the YAML (in `cwd`, for relative certificate paths) until `port` accepts connections. */
export async function runSandbox(yaml: string, port: number, cwd?: string): Promise<SandboxProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'strait-sandbox-'));
  const file = join(dir, 'envoy.yaml');
  writeFileSync(file, yaml);
  const child = spawn(process.execPath, [STRAIT_BIN, 'proxy', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  let exited = false;
  child.once('exit', () => { exited = true; });
  const stop = async (): Promise<void> => {
    if (!exited) await terminate(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new Error(`proxy exited early:\n${out}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`proxy did not listen on ${port} in 15 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, stop };
}
