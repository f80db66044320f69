// The cost of telemetry: a Strait proxy at a fixed 1000 req/s with and without what a sidecar gets
// (Istio's stats and metadata exchange, 1% Zipkin tracing), alternating rounds, medians and ratios.
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/bench-util.js';
import { straitBootstrapYaml, upstreamNginxConf, type BenchTelemetry } from './lib/configs.js';
import { runHey, type HeyResult } from './lib/hey.js';
import { treeCpuSeconds } from './lib/proc-usage.js';
import { findTool, freePort, killAllSync, startProcess } from './lib/processes.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BODY_BYTES = 1024;
const CONNECTIONS = 10;
const QPS_PER_CONNECTION = 100;
const HEY_CPUS = Math.max(1, os.cpus().length - 1);

interface Run { variant: 'off' | 'on'; cpuMsPer1000: number; p50: number; p99: number; okRps: number }


/** A Zipkin collector stand-in that accepts span batches and counts spans. */
async function startSpanSink(): Promise<{ port: number; spans: () => number; close: () => void }> {
  let spans = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d; });
    req.on('end', () => {
      try { spans += (JSON.parse(body) as unknown[]).length; } catch { /* counted as nothing */ }
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, spans: () => spans, close: () => server.close() };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, duration: { type: 'string' }, out: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 3);
  const durationS = Number(values.duration ?? 15);
  const out = values.out ?? path.join(REPO_ROOT, 'bench', 'results', 'telemetry-cost.json');
  const hey = findTool('hey');
  const nginx = findTool('nginx');
  if (hey === undefined || nginx === undefined) {
    console.error('telemetry-cost: hey and nginx are needed; install with: apt-get install -y hey nginx-light');
    return 1;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strait-telemetry-bench-'));
  const body = 'straitbench'.repeat(Math.ceil(BODY_BYTES / 11)).slice(0, BODY_BYTES);
  const sink = await startSpanSink();
  const runs: Run[] = [];
  const upstreamPort = await freePort();
  writeFileSync(path.join(dir, 'nginx.conf'), upstreamNginxConf(dir, upstreamPort, body,
    process.getuid?.() === 0 ? os.userInfo().username : undefined));
  const upstream = startProcess('upstream nginx', nginx, ['-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr']);
  try {
    await upstream.waitReady(`http://127.0.0.1:${upstreamPort}/`, BODY_BYTES, 10_000);
    const telemetry: BenchTelemetry = { zipkinPort: sink.port, samplingPercent: 1 };
    for (let round = 1; round <= rounds; round++) {
      for (const variant of ['off', 'on'] as const) {
        const port = await freePort();
        const config = path.join(dir, `strait-${variant}.yaml`);
        writeFileSync(config, straitBootstrapYaml(port, await freePort(), upstreamPort, variant === 'on' ? telemetry : undefined));
        const proxy = startProcess(`strait (${variant})`, path.join(REPO_ROOT, 'bin', 'strait.js'), ['proxy', '-c', config]);
        try {
          const url = `http://127.0.0.1:${port}/`;
          await proxy.waitReady(url, BODY_BYTES, 15_000);
          await runHey(hey, { url, durationS: 2, connections: CONNECTIONS, qpsPerConnection: QPS_PER_CONNECTION, cpus: HEY_CPUS });
          const cpu0 = treeCpuSeconds(proxy.pid);
          const h: HeyResult = await runHey(hey, { url, durationS, connections: CONNECTIONS, qpsPerConnection: QPS_PER_CONNECTION, cpus: HEY_CPUS });
          const cpuMs = (treeCpuSeconds(proxy.pid) - cpu0) * 1000;
          const run: Run = { variant, cpuMsPer1000: cpuMs / (h.okResponses / 1000), p50: h.latencyMs.p50 ?? NaN, p99: h.latencyMs.p99 ?? NaN, okRps: h.okRps };
          runs.push(run);
          console.log(`round ${round} ${variant}: ${run.okRps.toFixed(0)} req/s, ${run.cpuMsPer1000.toFixed(1)} CPU ms per 1000 requests, p50 ${run.p50} ms, p99 ${run.p99} ms`);
        } finally {
          await proxy.stop();
        }
      }
    }
  } finally {
    await upstream.stop();
    sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = (['off', 'on'] as const).map((v) => {
    const rs = runs.filter((r) => r.variant === v);
    return { variant: v, cpuMsPer1000: median(rs.map((r) => r.cpuMsPer1000)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) };
  });
  const [off, on] = summary;
  console.log('\n| Telemetry | CPU ms per 1000 requests (median) | p50 ms | p99 ms |\n|---|---|---|---|');
  for (const s of summary) console.log(`| ${s.variant} | ${s.cpuMsPer1000.toFixed(1)} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} |`);
  console.log(`\non/off CPU ratio ${(on.cpuMsPer1000 / off.cpuMsPer1000).toFixed(2)}; spans received by the collector: ${sink.spans()}`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(), node: process.version, cores: os.cpus().length, cpu: os.cpus()[0]?.model,
    method: { rate: CONNECTIONS * QPS_PER_CONNECTION, tool: 'hey', connections: CONNECTIONS, durationS, rounds, samplingPercent: 1 },
    runs, summary, cpuRatio: on.cpuMsPer1000 / off.cpuMsPer1000, spansReceived: sink.spans(),
  }, null, 2) + '\n');
  return 0;
}

process.once('exit', killAllSync);
main().then((code) => { process.exitCode = code; }, (err: Error) => { console.error(`telemetry-cost: ${err.message}`); process.exitCode = 1; });
