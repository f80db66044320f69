// HTTP/2 rapid reset (CVE-2023-44487) against `strait proxy` on loopback: what one 100k HEADERS+RST_STREAM
// connection costs upstream, and a normal client's latency while 4 attackers run. Run: node dist/bench/h2-rapid-reset.js
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { arg, next, percentile } from './lib/bench-util.js';
import { treePeakRssBytes } from './lib/proc-usage.js';
import { bootstrapYaml, simpleRoutes } from '../test/lib/config.js';
import { rapidReset, type RapidResetResult } from '../test/lib/h2-rapid-reset.js';
import { startProxy, type RunningProxy } from '../test/lib/proxy-process.js';

const SELF = fileURLToPath(import.meta.url);
const STREAMS = Number(arg('streams', '100000'));
const ATTACKERS = Number(arg('attackers', '4'));
const DURATION_S = Number(arg('duration', '10'));

interface Counts { requests: number; connections: number }

// ---- child roles ----

/** The upstream: answers 200 "ok" and counts connections and requests (GET /__counts is not counted). */
function runUpstream(): void {
  const counts: Counts = { requests: 0, connections: 0 };
  const server = http.createServer((req, res) => {
    if (req.url === '/__counts') {
      counts.connections--;
      res.setHeader('connection', 'close');
      res.end(JSON.stringify(counts));
      return;
    }
    counts.requests++;
    res.end('ok');
  });
  server.on('connection', () => { counts.connections++; });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.send!({ kind: 'ready', port: typeof addr === 'object' && addr !== null ? addr.port : 0 });
  });
}

/** An attacker: one rapid-reset connection after another until the time is up (or just one). */
async function runAttacker(): Promise<void> {
  const port = Number(arg('port', '0'));
  const untilMs = Date.now() + Number(arg('for-ms', '0'));
  const results: RapidResetResult[] = [];
  do {
    results.push(await rapidReset(port, STREAMS, 1000));
  } while (Date.now() < untilMs);
  process.send!({ kind: 'done', results }, () => process.disconnect());
}

// ---- the measurement ----

function child(role: string, args: string[] = []): ChildProcess {
  return fork(SELF, ['--role', role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function upstreamCounts(port: number): Promise<Counts> {
  const res = await fetch(`http://127.0.0.1:${port}/__counts`);
  return await res.json() as Counts;
}

async function stat(proxy: RunningProxy, name: string): Promise<number> {
  const text = await (await proxy.admin(`/stats?filter=${encodeURIComponent(`^${name}$`)}`)).text();
  const m = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** Sequential GETs on one h2 connection for `ms`: latencies in ms, and failures. */
async function normalClient(port: number, ms: number): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (session.closed || session.destroyed) {
      session = http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', () => {});
    }
    const t0 = performance.now();
    const ok = await new Promise<boolean>((resolve) => {
      const req = session.request({ ':path': '/' });
      const timer = setTimeout(() => { req.close(); resolve(false); }, 10_000);
      let status = 0;
      req.on('response', (h) => { status = Number(h[':status']); });
      req.on('data', () => {});
      req.on('end', () => { clearTimeout(timer); resolve(status === 200); });
      req.on('error', () => { clearTimeout(timer); resolve(false); });
    });
    if (ok) latencies.push(performance.now() - t0);
    else errors++;
  }
  session.close();
  return { latencies: latencies.sort((a, b) => a - b), errors };
}

function latencyLine(r: { latencies: number[]; errors: number }): string {
  const l = r.latencies;
  if (l.length === 0) return `no answers, ${r.errors} errors`;
  return `${l.length} answers, p50 ${percentile(l, 50).toFixed(1)} ms, p99 ${percentile(l, 99).toFixed(1)} ms, `
    + `max ${l[l.length - 1].toFixed(1)} ms, ${r.errors} errors`;
}

async function freshProxy(upstreamPort: number): Promise<{ proxy: RunningProxy; port: number }> {
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'up' } }]),
    clusters: [{ name: 'up', ports: [upstreamPort] }],
  }));
  return { proxy, port: await proxy.listenerPort('test') };
}

async function attackers(n: number, port: number, forMs: number): Promise<RapidResetResult[]> {
  const kids = Array.from({ length: n }, () => child('attacker', ['--port', String(port), '--for-ms', String(forMs),
    '--streams', String(STREAMS)]));
  const done = await Promise.all(kids.map((k) => next(k, 'done')));
  return done.flatMap((m) => m.results as RapidResetResult[]);
}

const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;

async function main(): Promise<void> {
  const upstream = child('upstream');
  const upstreamPort = (await next(upstream, 'ready')).port as number;
  try {
    // (1) One connection, STREAMS HEADERS+RST_STREAM pairs.
    let { proxy, port } = await freshProxy(upstreamPort);
    const quiet = await normalClient(port, 3000);
    const before = await upstreamCounts(upstreamPort);
    const [one] = await attackers(1, port, 0);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await upstreamCounts(upstreamPort);
    console.log(`normal client alone (3 s): ${latencyLine(quiet)}`);
    console.log(`one attacking connection: ${one.written} pairs written in ${one.durationMs.toFixed(0)} ms, `
      + `closed by proxy: ${one.closedByServer}, GOAWAY: ${one.goaway === null ? 'none' : `code ${one.goaway.errorCode}, last stream ${one.goaway.lastStreamId}`}`);
    console.log(`  upstream saw ${after.requests - before.requests} requests on ${after.connections - before.connections} new connections`);
    console.log(`  proxy: downstream_rq_total ${await stat(proxy, 'http.ingress_http.downstream_rq_total')}, `
      + `too_many_premature_resets ${await stat(proxy, 'http.ingress_http.downstream_rq_too_many_premature_resets')}, `
      + `upstream_rq_total ${await stat(proxy, 'cluster.up.upstream_rq_total')}, upstream_cx_total ${await stat(proxy, 'cluster.up.upstream_cx_total')}, `
      + `peak RSS ${mb(treePeakRssBytes(proxy.child.pid!))}`);
    await proxy.stop();

    // (2) ATTACKERS attackers reconnecting for DURATION_S while a normal client runs.
    ({ proxy, port } = await freshProxy(upstreamPort));
    const before2 = await upstreamCounts(upstreamPort);
    const [results, normal] = await Promise.all([attackers(ATTACKERS, port, DURATION_S * 1000),
      new Promise((r) => setTimeout(r, 200)).then(() => normalClient(port, DURATION_S * 1000))]);
    await new Promise((r) => setTimeout(r, 1500));
    const after2 = await upstreamCounts(upstreamPort);
    const written = results.reduce((a, r) => a + r.written, 0);
    console.log(`${ATTACKERS} attackers for ${DURATION_S} s: ${results.length} connections, ${written} pairs written`);
    console.log(`  normal client: ${latencyLine(normal)}`);
    console.log(`  upstream saw ${after2.requests - before2.requests} requests on ${after2.connections - before2.connections} new connections`);
    console.log(`  proxy: too_many_premature_resets ${await stat(proxy, 'http.ingress_http.downstream_rq_too_many_premature_resets')}, `
      + `peak RSS ${mb(treePeakRssBytes(proxy.child.pid!))}`);
    await proxy.stop();
  } finally {
    upstream.kill();
  }
}

const role = arg('role', 'main');
if (role === 'upstream') runUpstream();
else if (role === 'attacker') void runAttacker();
else await main();
