// The `strait up` demo's time to "mesh ready", the CPU it took, and its memory (counted three ways:
// RSS, PSS, private) and CPU at idle, optionally side by side with another built checkout, runs alternating.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/bench-util.js';
import { memoryShares, processTree, treeCpuSeconds } from './lib/proc-usage.js';
import { sleep } from './lib/processes.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const USAGE = `Usage: node dist/bench/demo-memory.js [--runs N] [--idle-s S] [--before TREE] [--pod-network 127.N]

Runs bin/strait.js up (the built-in demo) in a fresh STRAIT_HOME on its own pod network, with
free ports, --runs times (default 2). It reads the CPU up's process tree used until "mesh ready", and
its CPU over the second half of --idle-s seconds (default 8) idle (the dashboard's scrapes, xDS, timers);
then it sums over the tree: RSS (every mapped page, the node binary's shared pages counted in
each process), PSS (shared pages divided among the processes that map them) and private memory
(USS: pages no other process maps), then stops the mesh. --before TREE: another built checkout,
run alternately. Run it alone on the machine's mesh lock: two meshes must not share a pod network.`;

interface Sample {
  readySeconds: number; processes: number; cpuToReadyS: number; idleCpuMsPerS: number; rssMb: number; pssMb: number; ussMb: number;
}

/** A process's command line, shortened to what tells the demo's processes apart. */
function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    return argv.map((a) => (a.includes('/') ? path.basename(a) : a)).join(' ').slice(0, 120);
  } catch {
    return '(gone)';
  }
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGINT');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function runOnce(tree: string, podNetwork: string, idleS: number): Promise<Sample> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'strait-demo-mem-'));
  const args = ['up', '--pod-network', podNetwork, '--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0'];
  const proc = spawn(process.execPath, [path.join(tree, 'bin', 'strait.js'), ...args],
    { env: { ...process.env, STRAIT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  try {
    const deadline = Date.now() + 180_000;
    let ready: RegExpExecArray | null = null;
    while ((ready = /mesh ready in ([0-9.]+) s/.exec(out)) === null) {
      if (proc.exitCode !== null) throw new Error(`strait up exited (${proc.exitCode}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`strait up not ready in 180 s:\n${out}`);
      await sleep(100);
    }
    const cpuToReadyS = treeCpuSeconds(proc.pid!);
    await sleep(idleS * 500);
    const idleFrom = treeCpuSeconds(proc.pid!);
    await sleep(idleS * 500);
    const idleCpuMsPerS = (treeCpuSeconds(proc.pid!) - idleFrom) * 1000 / (idleS / 2);
    const pids = processTree(proc.pid!);
    const shares = pids.map(memoryShares);
    pids.forEach((pid, i) => process.stderr.write(`  ${(shares[i]!.uss / 1e6).toFixed(1)} MB private, `
      + `${(shares[i]!.rss / 1e6).toFixed(1)} MB RSS: ${commandOf(pid)}\n`));
    const sum = (f: (m: (typeof shares)[number]) => number): number => shares.reduce((a, m) => a + f(m), 0) / 1e6;
    return { readySeconds: Number(ready[1]), processes: pids.length, cpuToReadyS, idleCpuMsPerS,
      rssMb: sum((m) => m.rss), pssMb: sum((m) => m.pss), ussMb: sum((m) => m.uss) };
  } finally {
    await stop(proc);
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    runs: { type: 'string', default: '2' }, 'idle-s': { type: 'string', default: '8' }, before: { type: 'string' },
    'pod-network': { type: 'string', default: '127.143' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const trees: [string, string][] = [['this tree', REPO_ROOT]];
  if (values.before) trees.unshift(['before', path.resolve(values.before)]);
  const samples = new Map<string, Sample[]>(trees.map(([name]) => [name, []]));
  for (let i = 0; i < Number(values.runs); i++) {
    for (const [name, tree] of trees) {
      const s = await runOnce(tree, values['pod-network']!, Number(values['idle-s']));
      process.stderr.write(`${name}: ${JSON.stringify(s)}\n`);
      samples.get(name)!.push(s);
    }
  }
  process.stdout.write(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores\n`);
  process.stdout.write('| Tree | Runs | Processes | "mesh ready in" s (median) | CPU s to ready | Idle CPU ms/s | RSS sum MB | PSS sum MB '
    + '| Private (USS) sum MB |\n|---|---|---|---|---|---|---|---|---|\n');
  for (const [name] of trees) {
    const ss = samples.get(name)!;
    const m = (f: (s: Sample) => number): string => median(ss.map(f)).toFixed(1);
    process.stdout.write(`| ${name} | ${ss.length} | ${m((s) => s.processes)} | ${m((s) => s.readySeconds)} | ${m((s) => s.cpuToReadyS)} `
      + `| ${m((s) => s.idleCpuMsPerS)} | ${m((s) => s.rssMb)} | ${m((s) => s.pssMb)} | ${m((s) => s.ussMb)} |\n`);
  }
}

await main();
