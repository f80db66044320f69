// Child processes of a benchmark: start, wait until they serve HTTP, keep their stderr tail
// for error messages, stop them (and never leave one running when the benchmark exits).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

const TAIL_BYTES = 4096;

/** A started child process with the end of its output kept for diagnostics. */
export class ManagedProcess {
  private tail = '';
  private exitInfo: string | undefined;
  private readonly exited: Promise<void>;

  constructor(readonly name: string, private readonly child: ChildProcess) {
    const keep = (d: Buffer): void => { this.tail = (this.tail + d.toString()).slice(-TAIL_BYTES); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => { this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`; resolve(); });
      child.once('error', (err) => { this.exitInfo = err.message; resolve(); });
    });
    live.add(this);
  }

  /** The OS process id (the root of the tree charged for CPU and memory). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** How the process ended, or undefined while it runs. */
  get exitReason(): string | undefined {
    return this.exitInfo;
  }

  /** The last few KB of its stdout+stderr. */
  get output(): string {
    return this.tail.trim();
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
  async stop(graceMs = 3000): Promise<void> {
    live.delete(this);
    if (this.exitInfo !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resolves when `url` answers 200 with a body of `bodyBytes`; rejects if the process exits or time runs out. */
  async waitReady(url: string, bodyBytes: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exitInfo !== undefined) throw new Error(`${this.name} exited (${this.exitInfo}): ${this.output || 'no output'}`);
      const probe = await probeHttp(url);
      if (probe.status === 200 && probe.bytes === bodyBytes) return;
      last = probe.error ?? `status ${probe.status}, ${probe.bytes} bytes`;
      await sleep(100);
    }
    throw new Error(`${this.name} did not serve ${url} within ${timeoutMs / 1000} s (last: ${last})${this.output ? `: ${this.output}` : ''}`);
  }
}

const live = new Set<ManagedProcess>();

/** Kills whatever is still running (on exit or Ctrl-C), synchronously. */
export function killAllSync(): void {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/** Starts `command args` with piped output. */
export function startProcess(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): ManagedProcess {
  return new ManagedProcess(name, spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env }));
}

/** A port free right now on 127.0.0.1 (the OS picks it; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One GET with a fresh connection: status and body size, or the error. */
export function probeHttp(url: string): Promise<{ status: number; bytes: number; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => { bytes += d.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', (err) => resolve({ status: 0, bytes, error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, bytes: 0, error: err.message }));
  });
}

/** Resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Finds an executable in PATH or the sbin directories (nginx and haproxy live there). */
export function findTool(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const extra of ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin']) {
    if (!dirs.includes(extra)) dirs.push(extra);
  }
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
