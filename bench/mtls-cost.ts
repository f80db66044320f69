// The cost of mTLS between two sidecars: load client -> client sidecar -> server sidecar -> nginx, on
// loopback, plaintext and Istio mTLS between the sidecars side by side (alternating), open-loop fixed rate.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/bench-util.js';
import { upstreamNginxConf } from './lib/configs.js';
import { makeMeshPki, type MeshPki } from './lib/mesh-pki.js';
import { runOpenLoop, type OpenLoopResult } from './lib/open-loop.js';
import { treeCpuSeconds } from './lib/proc-usage.js';
import { findTool, freePort, killAllSync, startProcess, type ManagedProcess } from './lib/processes.js';
import { clientSidecarBootstrap, serverSidecarBootstrap } from './lib/sidecar-configs.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BODY_BYTES = 1024;
const WARMUP_S = 3;

const USAGE = `Usage: node dist/bench/mtls-cost.js [options]

Plaintext vs Istio mTLS between a client and a server sidecar (strait proxy each), an open-loop
load at a fixed rate, alternating configurations in rounds; CPU of each sidecar, latency.
  --rounds <n>          rounds (default 5)
  --duration <s>        seconds per measured run (default 10)
  --rate <n>            req/s over keep-alive connections (default 1000)
  --newconn-rate <n>    req/s with a new connection per request, 0 to skip (default 50)
  --before <strait.js>  also run both configurations with another build's CLI (side by side)
  --profile <dir>       write --cpu-prof profiles of the sidecars there (runs node without the CLI's shebang flags)
  --out <file>          JSON results (default bench/results/mtls-cost.json)`;

type Mode = 'keepalive' | 'newconn';

/** One pair of sidecars of a configuration. */
interface Pair {
  name: string;
  client: ManagedProcess;
  server: ManagedProcess;
  urls: Record<Mode, string>;
}

interface Run {
  round: number;
  mode: Mode;
  config: string;
  rate: number;
  okRps: number;
  clientCores: number;
  serverCores: number;
  clientCpuMsPer1000: number;
  serverCpuMsPer1000: number;
  p50: number;
  p99: number;
  failed: number;
  loadAvg1: number;
}


/** How to start a sidecar: through the CLI's shebang, or (to profile) node with these flags before the CLI. */
interface Launch {
  cli: string;
  nodeFlags?: string[];
}

function startSidecar(name: string, launch: Launch, config: string): ManagedProcess {
  const args = ['proxy', '-c', config];
  return launch.nodeFlags === undefined ? startProcess(name, launch.cli, args)
    : startProcess(name, process.execPath, [...launch.nodeFlags, launch.cli, ...args]);
}

async function startPair(name: string, launch: Launch, dir: string, pki: MeshPki | null, upstreamPort: number): Promise<Pair> {
  const serverPorts = { admin: await freePort(), inbound: await freePort(), upstream: upstreamPort };
  const clientPorts = { admin: await freePort(), keepAlive: await freePort(), newConnection: await freePort(), serverSidecar: serverPorts.inbound };
  const serverConfig = path.join(dir, `${name}-server.json`);
  const clientConfig = path.join(dir, `${name}-client.json`);
  writeFileSync(serverConfig, serverSidecarBootstrap(serverPorts, pki));
  writeFileSync(clientConfig, clientSidecarBootstrap(clientPorts, pki));
  // One process each, as a sidecar.
  const server = startSidecar(`${name} server sidecar`, launch, serverConfig);
  const client = startSidecar(`${name} client sidecar`, launch, clientConfig);
  const urls = { keepalive: `http://127.0.0.1:${clientPorts.keepAlive}/`, newconn: `http://127.0.0.1:${clientPorts.newConnection}/` };
  await client.waitReady(urls.keepalive, BODY_BYTES, 30_000);
  await client.waitReady(urls.newconn, BODY_BYTES, 30_000);
  return { name, client, server, urls };
}

async function measure(pair: Pair, mode: Mode, rate: number, durationS: number, round: number): Promise<Run> {
  const c0 = treeCpuSeconds(pair.client.pid);
  const s0 = treeCpuSeconds(pair.server.pid);
  const t0 = performance.now();
  const r: OpenLoopResult = await runOpenLoop({ url: pair.urls[mode], rate, durationS, keepAlive: mode === 'keepalive' });
  const wallS = (performance.now() - t0) / 1000;
  const c = treeCpuSeconds(pair.client.pid) - c0;
  const s = treeCpuSeconds(pair.server.pid) - s0;
  const k = r.ok / 1000;
  const run: Run = {
    round, mode, config: pair.name, rate, okRps: r.ok / wallS, clientCores: c / wallS, serverCores: s / wallS,
    clientCpuMsPer1000: (c * 1000) / k, serverCpuMsPer1000: (s * 1000) / k,
    p50: r.latencyMs.p50, p99: r.latencyMs.p99, failed: r.failed, loadAvg1: os.loadavg()[0],
  };
  console.log(`round ${round} ${mode} ${pair.name}: ${run.okRps.toFixed(0)} ok req/s, client ${run.clientCores.toFixed(3)} cores ` +
    `(${run.clientCpuMsPer1000.toFixed(1)} CPU ms/1000), server ${run.serverCores.toFixed(3)} cores ` +
    `(${run.serverCpuMsPer1000.toFixed(1)} CPU ms/1000), p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, ` +
    `failed ${r.failed}${r.errorSamples.length > 0 ? ` (${r.errorSamples.join('; ')})` : ''}, load ${run.loadAvg1.toFixed(2)}`);
  return run;
}

/** One configuration's medians over its rounds (the figures of Run), and its cost over plaintext. */
interface Summary extends Pick<Run, 'mode' | 'config' | 'clientCores' | 'serverCores' | 'clientCpuMsPer1000'
  | 'serverCpuMsPer1000' | 'p50' | 'p99'> {
  /** Medians over rounds of (this config - its plaintext) in the same round. */
  addedClientCores?: number;
  addedServerCores?: number;
  addedP99?: number;
}

/** The plaintext configuration a configuration is compared with (same build). */
const plainOf = (config: string): string => config.replace(/^mtls/, 'plain');

function summarize(runs: readonly Run[]): Summary[] {
  const out: Summary[] = [];
  for (const mode of ['keepalive', 'newconn'] as const) {
    const configs = [...new Set(runs.filter((r) => r.mode === mode).map((r) => r.config))];
    for (const config of configs) {
      const rs = runs.filter((r) => r.mode === mode && r.config === config);
      const m = (f: (r: Run) => number): number => median(rs.map(f));
      const s: Summary = {
        mode, config, clientCores: m((r) => r.clientCores), serverCores: m((r) => r.serverCores),
        clientCpuMsPer1000: m((r) => r.clientCpuMsPer1000), serverCpuMsPer1000: m((r) => r.serverCpuMsPer1000),
        p50: m((r) => r.p50), p99: m((r) => r.p99),
      };
      if (plainOf(config) !== config) {
        const paired = (f: (r: Run) => number): number => median(rs.flatMap((r) => {
          const base = runs.find((b) => b.mode === mode && b.round === r.round && b.config === plainOf(config));
          return base === undefined ? [] : [f(r) - f(base)];
        }));
        // Cores at the nominal rate: CPU seconds per 1000 requests x (rate / 1000).
        s.addedClientCores = paired((r) => (r.clientCpuMsPer1000 / 1000) * (r.rate / 1000));
        s.addedServerCores = paired((r) => (r.serverCpuMsPer1000 / 1000) * (r.rate / 1000));
        s.addedP99 = paired((r) => r.p99);
      }
      out.push(s);
    }
  }
  return out;
}

function table(summary: readonly Summary[], rates: Record<Mode, number>): string {
  const f = (v: number | undefined, d: number, sign = false): string =>
    v === undefined ? '—' : `${sign && v >= 0 ? '+' : ''}${v.toFixed(d)}`;
  const rows = [
    '| Connections | Config | Rate req/s | Client sidecar cores | Server sidecar cores | Client CPU ms / 1000 req | Server CPU ms / 1000 req | p50 ms | p99 ms | Added client / server cores | Added p99 ms | CPU ratio client / server |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of summary) {
    const base = summary.find((b) => b.mode === s.mode && b.config === plainOf(s.config));
    const ratio = base === undefined || base === s ? '—'
      : `${(s.clientCpuMsPer1000 / base.clientCpuMsPer1000).toFixed(2)} / ${(s.serverCpuMsPer1000 / base.serverCpuMsPer1000).toFixed(2)}`;
    rows.push(`| ${s.mode === 'keepalive' ? 'keep-alive' : 'new per request'} | ${s.config} | ${rates[s.mode]} | ${f(s.clientCores, 3)} | ${f(s.serverCores, 3)} | ` +
      `${f(s.clientCpuMsPer1000, 1)} | ${f(s.serverCpuMsPer1000, 1)} | ${f(s.p50, 2)} | ${f(s.p99, 2)} | ` +
      `${s.addedClientCores === undefined ? '—' : `${f(s.addedClientCores, 3, true)} / ${f(s.addedServerCores, 3, true)}`} | ${f(s.addedP99, 2, true)} | ${ratio} |`);
  }
  return rows.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' }, duration: { type: 'string' }, rate: { type: 'string' }, 'newconn-rate': { type: 'string' },
      before: { type: 'string' }, profile: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const rounds = Number(values.rounds ?? 5);
  const durationS = Number(values.duration ?? 10);
  const rates: Record<Mode, number> = { keepalive: Number(values.rate ?? 1000), newconn: Number(values['newconn-rate'] ?? 50) };
  const out = values.out ?? path.join(REPO_ROOT, 'bench', 'results', 'mtls-cost.json');
  const nginx = findTool('nginx');
  if (nginx === undefined || findTool('openssl') === undefined) {
    console.error('mtls-cost: nginx and openssl are needed; install with: apt-get install -y nginx-light openssl');
    return 1;
  }
  // Profiling runs node itself (the shebang's flags do not apply then).
  const nodeFlags = values.profile === undefined ? undefined : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`];
  const builds: [string, Launch][] = [['', { cli: path.join(REPO_ROOT, 'bin', 'strait.js'), nodeFlags }]];
  if (values.before !== undefined) builds.push(['-before', { cli: path.resolve(values.before), nodeFlags }]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strait-mtls-bench-'));
  const runs: Run[] = [];
  const pairs: Pair[] = [];
  const upstreamPort = await freePort();
  const body = 'straitbench'.repeat(Math.ceil(BODY_BYTES / 11)).slice(0, BODY_BYTES);
  writeFileSync(path.join(dir, 'nginx.conf'), upstreamNginxConf(dir, upstreamPort, body,
    process.getuid?.() === 0 ? os.userInfo().username : undefined));
  const upstream = startProcess('upstream nginx', nginx, ['-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr']);
  try {
    await upstream.waitReady(`http://127.0.0.1:${upstreamPort}/`, BODY_BYTES, 10_000);
    const pki = makeMeshPki(dir, ['client', 'server']);
    for (const [suffix, launch] of builds) {
      pairs.push(await startPair(`plain${suffix}`, launch, dir, null, upstreamPort));
      pairs.push(await startPair(`mtls${suffix}`, launch, dir, pki, upstreamPort));
    }
    const modes = (['keepalive', 'newconn'] as const).filter((m) => rates[m] > 0);
    for (const pair of pairs) for (const mode of modes) await runOpenLoop({ url: pair.urls[mode], rate: rates[mode], durationS: WARMUP_S, keepAlive: mode === 'keepalive' });
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order each round so a drift in the machine's load does not favour one configuration.
      const order = round % 2 === 1 ? pairs : [...pairs].reverse();
      for (const mode of modes) for (const pair of order) runs.push(await measure(pair, mode, rates[mode], durationS, round));
    }
  } finally {
    for (const p of pairs) {
      await p.client.stop();
      await p.server.stop();
    }
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = summarize(runs);
  console.log(`\nMedians of ${rounds} rounds x ${durationS} s; added = median over rounds of (config - plaintext of the same build, same round)\n`);
  console.log(table(summary, rates));
  const loads = runs.map((r) => r.loadAvg1);
  console.log(`\nload average (1 min) during the runs: median ${median(loads).toFixed(2)}, ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)}`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), node: process.version, cores: os.cpus().length, cpu: os.cpus()[0]?.model,
    method: { rates, durationS, rounds, warmupS: WARMUP_S, loadGenerator: 'open-loop, node http', bodyBytes: BODY_BYTES,
      certificates: 'RSA 2048 root and SPIFFE workload certificates', alpn: 'istio-peer-exchange,istio' },
    loadAvg1: { median: median(loads), min: Math.min(...loads), max: Math.max(...loads) },
    runs, summary,
  }, null, 2) + '\n');
  return 0;
}

process.once('exit', killAllSync);
main().then((code) => { process.exitCode = code; }, (err: Error) => { console.error(`mtls-cost: ${err.message}`); process.exitCode = 1; });
