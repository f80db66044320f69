// Benchmark (not a test): xDS push fan-out. N simulated proxies hold CDS streams to Strait's ADS
// server with a 1,000-cluster snapshot; each push's time from setSnapshot to every ACK, p50/p99,
// and the server's CPU and memory. --delta: the proxies use incremental xDS (every cluster changes
// in each push, so delta sends them all too). Usage: node dist/bench/xds-fanout.js [--clients 1000,5000] [--delta]
import { fork } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStreams, type LoadStream } from './lib/ads-load-client.js';
import { arg, flag, next, percentile } from './lib/bench-util.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Result {
  clients: number;
  clusters: number;
  pushes: number;
  /** Per push: ms from the push to the last ACK. */
  allAckedMs: number[];
  /** Over every stream and push: ms from the push to that stream's ACK. */
  ackP50Ms: number;
  ackP99Ms: number;
  serverCpuMsPerPush: number;
  /** The load client's own CPU per push (it shares the machine's cores with the server). */
  clientCpuMsPerPush: number;
  serverRssMb: number;
  connectMs: number;
}

async function run(clients: number, clusterCount: number, pushes: number, channels: number): Promise<Result> {
  const child = fork(join(here, 'xds-fanout-server.js'), [String(clusterCount)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env.XDS_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.XDS_BENCH_PROFILE] : [],
  });
  const ready = await next(child, 'ready');
  const t0 = Date.now();
  const { streams, close } = await openStreams(ready.port as number, clients, channels, { delta: flag('delta') });
  const connectMs = Date.now() - t0;
  const allAckedMs: number[] = [];
  const perStream: number[] = [];
  const before = await (child.send({ kind: 'usage' }), next(child, 'usage'));
  const clientBefore = process.cpuUsage();
  for (let p = 0; p < pushes; p++) {
    const start = process.hrtime.bigint();
    child.send({ kind: 'push' });
    const pushed = await next(child, 'pushed');
    const version = pushed.version as string;
    const deadline = Date.now() + 120_000;
    const done = (s: LoadStream): boolean => s.ackedAt.has(version);
    while (!streams.every(done)) {
      if (Date.now() > deadline) throw new Error(`push ${version}: not every stream ACKed in 120 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    let last = 0;
    for (const s of streams) {
      const ms = Number(s.ackedAt.get(version)! - start) / 1e6;
      perStream.push(ms);
      if (ms > last) last = ms;
    }
    allAckedMs.push(last);
  }
  const clientCpu = process.cpuUsage(clientBefore);
  const after = await (child.send({ kind: 'usage' }), next(child, 'usage'));
  if (after.acked !== clients) throw new Error(`server saw ${String(after.acked)} of ${clients} streams ACK the last version`);
  close();
  child.send({ kind: 'stop' });
  await new Promise((r) => child.once('exit', r));
  perStream.sort((a, b) => a - b);
  return {
    clients, clusters: clusterCount, pushes, allAckedMs, connectMs,
    ackP50Ms: percentile(perStream, 50), ackP99Ms: percentile(perStream, 99),
    serverCpuMsPerPush: ((after.cpuMs as number) - (before.cpuMs as number)) / pushes,
    clientCpuMsPerPush: (clientCpu.user + clientCpu.system) / 1000 / pushes,
    serverRssMb: (after.rssBytes as number) / 2 ** 20,
  };
}

const clientCounts = arg('clients', '1000,5000').split(',').map(Number);
const clusterCount = Number(arg('clusters', '1000'));
const pushes = Number(arg('pushes', '5'));
const results: Result[] = [];
for (const n of clientCounts) {
  const channels = Math.max(1, Math.ceil(n / 100));
  process.stderr.write(`${n} clients over ${channels} connections, ${clusterCount} clusters, ${pushes} pushes...\n`);
  results.push(await run(n, clusterCount, pushes, channels));
}
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('| Clients | Clusters | Push to all ACKed, median ms | Per-stream ACK p50 ms | p99 ms | Server CPU ms per push | Load client CPU ms per push | Server RSS MB |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.clients} | ${r.clusters} | ${med(r.allAckedMs).toFixed(0)} | ${r.ackP50Ms.toFixed(0)} | ${r.ackP99Ms.toFixed(0)} | ` +
    `${r.serverCpuMsPerPush.toFixed(0)} | ${r.clientCpuMsPerPush.toFixed(0)} | ${r.serverRssMb.toFixed(0)} |`);
}
const out = arg('out', join(here, '..', '..', 'bench', 'results', 'xds-fanout.json'));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length,
  cpu: cpus()[0]?.model, memGb: totalmem() / 2 ** 30, results }, null, 2));
