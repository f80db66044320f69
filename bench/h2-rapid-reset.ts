// HTTP/2 rapid reset (CVE-2023-44487) against `strait proxy` on loopback: what one attacking connection costs
// upstream and in the proxy (raw HEADERS+RST_STREAM pairs, and node:http2 request()+close()), and a normal
// client's latency while 4 raw attackers reconnect for 10 s. Run: node dist/bench/h2-rapid-reset.js [--streams N]
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { arg, next, percentile } from './lib/bench-util.js';
import { treeCpuSeconds, treePeakRssBytes } from './lib/proc-usage.js';
import { bootstrapYaml, simpleRoutes } from '../test/lib/config.js';
import { rapidReset, type RapidResetResult } from '../test/lib/h2-rapid-reset.js';
import { startProxy, type RunningProxy } from '../test/lib/proxy-process.js';

const SELF = fileURLToPath(import.meta.url);
const STREAMS = Number(arg('streams', '100000'));
/** node:http2 makes each stream in JS; fewer keep its run short. */
const NODE_STREAMS = Number(arg('node-streams', '20000'));
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

/**
 * node:http2 as the attacker: request() then close(CANCEL) for each stream. Node sends the HEADERS frames in a
 * burst and the RST_STREAM frames after them, so the proxy sees the streams open before any reset.
 */
function nodeClientReset(port: number, streams: number): Promise<RapidResetResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const session = http2.connect(`http://127.0.0.1:${port}`);
    let written = 0;
    let goaway: RapidResetResult['goaway'] = null;
    session.on('error', () => {});
    session.on('goaway', (errorCode: number, lastStreamId: number) => { goaway = { errorCode, lastStreamId }; });
    session.on('close', () => resolve({ written, goaway, closedByServer: goaway !== null,
      durationMs: performance.now() - started }));
    session.once('remoteSettings', () => {
      for (; written < streams && !session.closed && !session.destroyed; written++) {
        const req = session.request({ ':path': '/' });
        req.on('error', () => {});
        req.close(http2.constants.NGHTTP2_CANCEL);
      }
      // Ends once every stream is closed (the proxy answered or saw the reset), or the proxy closes the session.
      session.close();
    });
  });
}

/** An attacker: one rapid-reset connection after another until the time is up (or just one). */
async function runAttacker(): Promise<void> {
  const port = Number(arg('port', '0'));
  const untilMs = Date.now() + Number(arg('for-ms', '0'));
  const viaNode = arg('client', 'raw') === 'node';
  const results: RapidResetResult[] = [];
  do {
    results.push(viaNode ? await nodeClientReset(port, STREAMS) : await rapidReset(port, STREAMS, 1000));
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

async function attackers(n: number, port: number, forMs: number, streams = STREAMS, client = 'raw'): Promise<RapidResetResult[]> {
  const kids = Array.from({ length: n }, () => child('attacker', ['--port', String(port), '--for-ms', String(forMs),
    '--streams', String(streams), '--client', client]));
  const done = await Promise.all(kids.map((k) => next(k, 'done')));
  return done.flatMap((m) => m.results as RapidResetResult[]);
}

const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;

/** One attacking connection against a fresh proxy: what it cost upstream and in the proxy. */
async function oneConnection(label: string, upstreamPort: number, streams: number, client: string): Promise<void> {
  const { proxy, port } = await freshProxy(upstreamPort);
  try {
    const before = await upstreamCounts(upstreamPort);
    const [r] = await attackers(1, port, 0, streams, client);
    await new Promise((res) => setTimeout(res, 1500));
    const after = await upstreamCounts(upstreamPort);
    const goaway = r.goaway === null ? 'none seen' : `code ${r.goaway.errorCode}, last stream ${r.goaway.lastStreamId}`;
    console.log(`${label}: ${r.written} streams written, connection closed after ${r.durationMs.toFixed(0)} ms `
      + `(by the proxy: ${r.closedByServer}), GOAWAY ${goaway}`);
    console.log(`  upstream saw ${after.requests - before.requests} requests on ${after.connections - before.connections} connections; `
      + `proxy: downstream_rq_total ${await stat(proxy, 'http.ingress_http.downstream_rq_total')}, `
      + `upstream_rq_total ${await stat(proxy, 'cluster.up.upstream_rq_total')}, `
      + `upstream_cx_total ${await stat(proxy, 'cluster.up.upstream_cx_total')}, `
      + `too_many_premature_resets ${await stat(proxy, 'http.ingress_http.downstream_rq_too_many_premature_resets')}, `
      + `peak RSS ${mb(treePeakRssBytes(proxy.child.pid!))}`);
  } finally {
    await proxy.stop();
  }
}

async function main(): Promise<void> {
  const upstream = child('upstream');
  const upstreamPort = (await next(upstream, 'ready')).port as number;
  try {
    await oneConnection(`raw HEADERS+RST_STREAM pairs, one connection`, upstreamPort, STREAMS, 'raw');
    await oneConnection(`node:http2 request()+close(CANCEL), one connection`, upstreamPort, NODE_STREAMS, 'node');

    // ATTACKERS raw attackers reconnecting for DURATION_S while a normal client runs.
    const { proxy, port } = await freshProxy(upstreamPort);
    try {
      const quiet = await normalClient(port, 3000);
      console.log(`normal client alone (3 s): ${latencyLine(quiet)}`);
      const before = await upstreamCounts(upstreamPort);
      const cpu0 = treeCpuSeconds(proxy.child.pid!);
      const [results, normal] = await Promise.all([attackers(ATTACKERS, port, DURATION_S * 1000),
        new Promise((r) => setTimeout(r, 200)).then(() => normalClient(port, DURATION_S * 1000))]);
      const cpu = treeCpuSeconds(proxy.child.pid!) - cpu0;
      await new Promise((r) => setTimeout(r, 1500));
      const after = await upstreamCounts(upstreamPort);
      const written = results.reduce((a, r) => a + r.written, 0);
      console.log(`${ATTACKERS} raw attackers for ${DURATION_S} s: ${results.length} connections, ${written} pairs written, `
        + `proxy CPU ${cpu.toFixed(1)} s`);
      console.log(`  normal client meanwhile: ${latencyLine(normal)}`);
      console.log(`  upstream saw ${after.requests - before.requests} requests on ${after.connections - before.connections} connections; `
        + `too_many_premature_resets ${await stat(proxy, 'http.ingress_http.downstream_rq_too_many_premature_resets')}, `
        + `peak RSS ${mb(treePeakRssBytes(proxy.child.pid!))}`);
    } finally {
      await proxy.stop();
    }
  } finally {
    upstream.kill();
  }
}

const role = arg('role', 'main');
if (role === 'upstream') runUpstream();
else if (role === 'attacker') void runAttacker();
else await main();
