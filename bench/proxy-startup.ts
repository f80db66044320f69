// Proxy start-up benchmark: spawns `strait proxy` on the book's chapter 3 config N times and
// reports spawn -> admin /ready 200, CPU used by then, and idle RSS; optionally vs another tree.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BOOK_DIR } from '../samples/book-corpus.js';
import { percentile } from './lib/bench-util.js';
import { memoryShares, treeCpuSeconds } from './lib/proc-usage.js';
import { sleep } from './lib/processes.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const USAGE = `Usage: node dist/bench/proxy-startup.js [--runs N] [--idle-ms MS] [--before TREE]

Spawns bin/strait.js proxy (as a user runs it, with its shebang's node flags) on the book's
ch3 simple.yaml (ports 0, upstream 127.0.0.1) --runs times (default 10), and reports per tree:
spawn -> admin /ready 200 (median, p90, min ms), the proxy's CPU ms by then, and its RSS and
private memory (USS: what one more proxy costs; RSS also counts the node binary's pages every
node process shares) after --idle-ms (default 3000) idle. --before TREE: another built checkout to compare, run
alternately with this one so both see the same machine load.`;

interface Sample { readyMs: number; cpuMs: number; rssMb: number; ussMb: number }

/** The ch3 config with the addresses a single machine can run. */
function ch3Config(): string {
  return readFileSync(path.join(BOOK_DIR, 'ch3', 'simple.yaml'), 'utf8')
    .replace(/address: httpbin\b/, 'address: 127.0.0.1')
    .replace(/address: 0\.0\.0\.0, port_value: 1500[01]/g, 'address: 127.0.0.1, port_value: 0');
}

/** One start: spawn, poll the admin address file then /ready, then idle and read RSS. */
async function startOnce(tree: string, config: string, dir: string, idleMs: number): Promise<Sample> {
  const addrFile = path.join(dir, `admin-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const t0 = performance.now();
  const child = spawn(path.join(tree, 'bin', 'strait.js'), ['proxy', '-c', config, '--admin-address-path', addrFile],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  try {
    const deadline = Date.now() + 60_000;
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (child.exitCode !== null) throw new Error(`proxy exited (${child.exitCode}):\n${err}`);
      if (Date.now() > deadline) throw new Error(`proxy not ready in 60 s:\n${err}`);
      const addr = existsSync(addrFile) ? readFileSync(addrFile, 'utf8').trim() : '';
      if (addr !== '') {
        const res = await fetch(`http://${addr.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}/ready`).catch(() => undefined);
        if (res?.status === 200) readyMs = performance.now() - t0;
        await res?.text();
      }
      if (readyMs === undefined) await sleep(5);
    }
    const cpuMs = treeCpuSeconds(child.pid!) * 1000;
    await sleep(idleMs);
    const mem = memoryShares(child.pid!);
    return { readyMs, cpuMs, rssMb: mem.rss / 1e6, ussMb: mem.uss / 1e6 };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

function summary(name: string, samples: readonly Sample[]): string {
  const sorted = (f: (s: Sample) => number): number[] => samples.map(f).sort((a, b) => a - b);
  const ready = sorted((s) => s.readyMs);
  const cpu = sorted((s) => s.cpuMs);
  const rss = sorted((s) => s.rssMb);
  const uss = sorted((s) => s.ussMb);
  return `| ${name} | ${samples.length} | ${percentile(ready, 50).toFixed(0)} | ${percentile(ready, 90).toFixed(0)} | ${ready[0]!.toFixed(0)} `
    + `| ${percentile(cpu, 50).toFixed(0)} | ${percentile(rss, 50).toFixed(1)} (${rss[0]!.toFixed(1)}-${rss[rss.length - 1]!.toFixed(1)}) `
    + `| ${percentile(uss, 50).toFixed(1)} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    runs: { type: 'string', default: '10' }, 'idle-ms': { type: 'string', default: '3000' },
    before: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const runs = Number(values.runs);
  const idleMs = Number(values['idle-ms']);
  const trees: [string, string][] = [['this tree', REPO_ROOT]];
  if (values.before) trees.unshift(['before', path.resolve(values.before)]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strait-startup-'));
  try {
    const config = path.join(dir, 'envoy.yaml');
    writeFileSync(config, ch3Config());
    const samples = new Map<string, Sample[]>(trees.map(([name]) => [name, []]));
    for (let i = 0; i < runs; i++) {
      for (const [name, tree] of trees) samples.get(name)!.push(await startOnce(tree, config, dir, idleMs));
    }
    process.stdout.write(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores\n`);
    process.stdout.write('| Tree | Runs | Spawn to /ready median ms | p90 ms | min ms | CPU ms by ready (median) | Idle RSS MB median (range) '
      + '| Idle private (USS) MB median |\n');
    process.stdout.write('|---|---|---|---|---|---|---|---|\n');
    for (const [name] of trees) process.stdout.write(`${summary(name, samples.get(name)!)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
