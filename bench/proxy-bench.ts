// Proxy benchmark: direct vs Strait vs nginx vs haproxy vs node http-proxy vs a bare Node TCP relay on loopback, one
// worker each, in front of an nginx upstream. Run: node dist/bench/proxy-bench.js [--help].
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { upstreamNginxConf } from './lib/configs.js';
import { runHey, type HeyResult } from './lib/hey.js';
import { treeCpuSeconds, treePeakRssBytes } from './lib/proc-usage.js';
import { findTool, freePort, killAllSync, sleep, startProcess, type ManagedProcess } from './lib/processes.js';
import { resultsTable, saturationTable, type TargetResult } from './lib/report.js';
import { startTarget, TARGET_NAMES, type TargetEnv, type TargetName } from './lib/targets.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BODY_BYTES = 1024;
const MAX_CONNECTIONS = 16;
const FIXED_RATE_CONNECTIONS = 10;
const FIXED_RATE_QPS_PER_CONNECTION = 100;
const WARMUP_S = 1;
/** hey gets every core but one, so a one-worker proxy has a core of its own (the upstream shares). */
const HEY_CPUS = Math.max(1, os.cpus().length - 1);
const INSTALL_HINT = 'install with: apt-get install -y nginx-light haproxy hey';

const USAGE = `Usage: node dist/bench/proxy-bench.js [options]

Measures, per target, on loopback with one worker each:
  (a) max requests/s at ${MAX_CONNECTIONS} keep-alive connections (hey -c ${MAX_CONNECTIONS})
  (b) latency p50/p90/p99 at a fixed ${FIXED_RATE_CONNECTIONS * FIXED_RATE_QPS_PER_CONNECTION} req/s with a 1 KB POST body, and the latency added vs direct
  (c) proxy CPU seconds per 1000 requests during (b), and peak RSS of the proxy's processes

Options:
  --targets <list>   comma list of ${TARGET_NAMES.join(',')} (default: all)
  --duration <s>     seconds for each measured run (default: 10 for (a), 15 for (b))
  --out <file>       JSON results file (default: bench/results/latest.json)
  --keep-temp        keep the generated configs in the temp directory
  -h, --help         this text`;

interface Options {
  targets: TargetName[];
  throughputS: number;
  latencyS: number;
  out: string;
  keepTemp: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      targets: { type: 'string' }, duration: { type: 'string' }, out: { type: 'string' },
      'keep-temp': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const targets = (values.targets ?? TARGET_NAMES.join(',')).split(',').map((t) => t.trim()).filter((t) => t !== '');
  for (const t of targets) {
    if (!(TARGET_NAMES as readonly string[]).includes(t)) throw new Error(`--targets: unknown target "${t}" (known: ${TARGET_NAMES.join(', ')})`);
  }
  let throughputS = 10;
  let latencyS = 15;
  if (values.duration !== undefined) {
    const d = Number(values.duration);
    if (!Number.isInteger(d) || d < 1 || d > 600) throw new Error('--duration: whole seconds, 1..600');
    throughputS = latencyS = d;
  }
  return {
    // Run in the canonical order so "direct" comes first and the table reads the same every time.
    targets: TARGET_NAMES.filter((t) => targets.includes(t)),
    throughputS,
    latencyS,
    out: path.resolve(values.out ?? path.join(REPO_ROOT, 'bench', 'results', 'latest.json')),
    keepTemp: values['keep-temp'] ?? false,
  };
}

/** First line a command prints (stdout or stderr: nginx -v writes to stderr), if it runs. */
function firstLine(command: string, args: string[]): string | undefined {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) return undefined;
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] || undefined;
}

/** What the JSON result records about the machine and tools. */
function machineInfo(tools: { nginx: string; haproxy?: string }): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model,
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    nginx: firstLine(tools.nginx, ['-v']),
    haproxy: tools.haproxy ? firstLine(tools.haproxy, ['-v']) : undefined,
    hey: firstLine('dpkg-query', ['-W', '-f', '${Version}', 'hey']),
  };
}

/** Runs (a) then (b) against one started target, charging its process tree. */
async function measure(name: TargetName, url: string, proc: ManagedProcess | undefined, upstream: ManagedProcess,
  opts: Options, bodyFile: string, heyPath: string): Promise<TargetResult> {
  const result: TargetResult = { target: name };
  const per1000 = (cpu: number, h: HeyResult): number | undefined => (h.responses > 0 ? cpu / (h.responses / 1000) : undefined);

  await runHey(heyPath, { url, durationS: WARMUP_S, connections: MAX_CONNECTIONS, cpus: HEY_CPUS });

  console.log(`  (a) max throughput: ${opts.throughputS} s at ${MAX_CONNECTIONS} connections`);
  const cpuA0 = proc ? treeCpuSeconds(proc.pid) : 0;
  const upA0 = treeCpuSeconds(upstream.pid);
  const tA0 = performance.now();
  result.throughput = await runHey(heyPath, { url, durationS: opts.throughputS, connections: MAX_CONNECTIONS, cpus: HEY_CPUS });
  const wallA = (performance.now() - tA0) / 1000;
  result.upstreamCpuCoresAtMax = (treeCpuSeconds(upstream.pid) - upA0) / wallA;
  if (proc) {
    const cpuA = treeCpuSeconds(proc.pid) - cpuA0;
    result.cpuCoresAtMax = cpuA / wallA;
    result.cpuSecondsPer1000AtMax = per1000(cpuA, result.throughput);
  }
  console.log(`      ${Math.round(result.throughput.okRps)} req/s`);

  await sleep(500);
  const rate = FIXED_RATE_CONNECTIONS * FIXED_RATE_QPS_PER_CONNECTION;
  console.log(`  (b) latency: ${opts.latencyS} s at ${rate} req/s, ${BODY_BYTES} B POST body`);
  const cpuB0 = proc ? treeCpuSeconds(proc.pid) : 0;
  result.latency = await runHey(heyPath, {
    url, durationS: opts.latencyS, connections: FIXED_RATE_CONNECTIONS, qpsPerConnection: FIXED_RATE_QPS_PER_CONNECTION,
    method: 'POST', bodyFile, cpus: HEY_CPUS,
  });
  if (proc) {
    result.cpuSecondsPer1000 = per1000(treeCpuSeconds(proc.pid) - cpuB0, result.latency);
    result.peakRssBytes = treePeakRssBytes(proc.pid);
  }
  const l = result.latency.latencyMs;
  console.log(`      p50 ${l.p50?.toFixed(1)} ms, p90 ${l.p90?.toFixed(1)} ms, p99 ${l.p99?.toFixed(1)} ms`);
  return result;
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`proxy-bench: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const hey = findTool('hey');
  const nginx = findTool('nginx');
  if (hey === undefined || nginx === undefined) {
    console.error(`proxy-bench: ${[hey ? '' : 'hey', nginx ? '' : 'nginx'].filter((s) => s).join(' and ')} not found; ${INSTALL_HINT}`);
    return 1;
  }
  const haproxy = findTool('haproxy');
  if (haproxy === undefined && opts.targets.includes('haproxy')) console.warn(`proxy-bench: haproxy not found, skipping it; ${INSTALL_HINT}`);

  const machine = machineInfo({ nginx, haproxy });
  console.log(`proxy-bench: ${machine.cores} cores (${machine.cpuModel}), node ${machine.node}, ${machine.nginx}`);
  console.log(`targets: ${opts.targets.join(', ')}; runs: ${opts.throughputS} s max throughput + ${opts.latencyS} s fixed rate each`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'strait-bench-'));
  const body = 'straitbench'.repeat(Math.ceil(BODY_BYTES / 11)).slice(0, BODY_BYTES);
  const bodyFile = path.join(dir, 'request-body.bin');
  writeFileSync(bodyFile, body);
  const nginxUser = process.getuid?.() === 0 ? os.userInfo().username : undefined;

  const results: TargetResult[] = [];
  let upstream: ManagedProcess | undefined;
  try {
    const upstreamPort = await freePort();
    const upstreamDir = path.join(dir, 'upstream');
    mkdirSync(upstreamDir);
    const upstreamConf = path.join(upstreamDir, 'nginx.conf');
    writeFileSync(upstreamConf, upstreamNginxConf(upstreamDir, upstreamPort, body, nginxUser));
    upstream = startProcess('upstream nginx', nginx, ['-p', upstreamDir + '/', '-c', upstreamConf, '-e', 'stderr']);
    await upstream.waitReady(`http://127.0.0.1:${upstreamPort}/`, BODY_BYTES, 10_000);

    const env: TargetEnv = { dir, upstreamPort, bodyBytes: BODY_BYTES, repoRoot: REPO_ROOT, nginxPath: nginx,
      haproxyPath: haproxy, nginxUser };
    for (const name of opts.targets) {
      console.log(`\n${name}`);
      let started;
      try {
        started = await startTarget(name, env);
      } catch (err) {
        const reason = (err as Error).message;
        console.log(`  skipped: ${reason}`);
        results.push({ target: name, skipped: reason });
        continue;
      }
      try {
        results.push(await measure(name, started.url, started.proc, upstream, opts, bodyFile, hey));
      } catch (err) {
        const reason = `failed during the run: ${(err as Error).message}`;
        console.log(`  ${reason}`);
        results.push({ target: name, skipped: reason });
      } finally {
        await started.proc?.stop();
      }
    }
  } finally {
    await upstream?.stop();
    if (!opts.keepTemp) rmSync(dir, { recursive: true, force: true });
    else console.log(`\nconfigs kept in ${dir}`);
  }

  console.log(`\n${resultsTable(results)}\n\nCPU at saturation (run (a)):\n\n${saturationTable(results)}\n`);
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, JSON.stringify({
    date: new Date().toISOString(),
    machine,
    method: {
      upstream: `nginx, worker_processes 1, return 200 with a ${BODY_BYTES} B body`,
      heyCpus: HEY_CPUS,
      throughput: { tool: 'hey', connections: MAX_CONNECTIONS, durationS: opts.throughputS, warmupS: WARMUP_S },
      latency: { tool: 'hey', connections: FIXED_RATE_CONNECTIONS, qpsPerConnection: FIXED_RATE_QPS_PER_CONNECTION,
        durationS: opts.latencyS, method: 'POST', bodyBytes: BODY_BYTES },
    },
    results,
  }, null, 2) + '\n');
  const shown = path.relative(process.cwd(), opts.out);
  console.log(`results written to ${shown.startsWith('..') ? opts.out : shown}`);
  return 0;
}

process.once('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { killAllSync(); process.exit(130); });
}
main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  console.error(`proxy-bench: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
