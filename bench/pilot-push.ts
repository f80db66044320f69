// Benchmark (not a test): a full push of a 1,000-service mesh (each service with a Gateway and a
// VirtualService, as ch11/resources-600.yaml) to 2,000 connected proxies (1 ingress gateway and
// sidecars over 10 namespaces), each subscribed to CDS, EDS, LDS and RDS. Measures time from a
// VirtualService change to each proxy's ACK of all four types, generation time, pilot CPU and memory.
// --change virtualservice (a mesh VirtualService's timeout: LDS and RDS to every sidecar),
// gateway (a gateway VirtualService's: LDS and RDS to the gateway) or service (a new port on one
// Service: every type to every proxy).
// --delta: the proxies use incremental xDS (as the mesh's DELTA_GRPC bootstrap), so a type is sent
// only when a resource in it changed. Either way, a type pilot did not rebuild (or rebuilt the same)
// is not sent at all: converged is pilot's own count of proxies that ACKed every type their push
// changed, and each proxy's time is its last ACK of the push's version (proxies sent nothing are not counted).
// --sidecar: each client namespace has a Sidecar limiting egress to what its pods call (ch11).
// --vhds (with --delta): the proxies declare VHDS, as Strait's delta proxies do: routes come as shells and
// their virtual hosts over VHDS, so an edit sends only the virtual hosts it changed.
// Usage: node dist/bench/pilot-push.js [--services 1000] [--proxies 2000] [--namespaces 10] [--pushes 5] [--change service] [--delta [--vhds]] [--sidecar]
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStreams, type LoadStream } from './lib/ads-load-client.js';
import { arg, flag, next, percentile } from './lib/bench-util.js';
import { benchNode } from './lib/pilot-mesh.js';
import {
  CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, VHDS_CLIENT_FEATURE, VIRTUAL_HOST_TYPE,
} from '../src/xds/server/type-urls.js';

const here = dirname(fileURLToPath(import.meta.url));
const services = Number(arg('services', '1000'));
const proxies = Number(arg('proxies', '2000'));
const namespaces = Number(arg('namespaces', '10'));
const pushes = Number(arg('pushes', '5'));
const delta = flag('delta');
const vhds = delta && flag('vhds');
const TYPES = [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, ...(vhds ? [VIRTUAL_HOST_TYPE] : [])];


const child = fork(join(here, 'pilot-push-server.js'), [String(services), String(proxies), String(namespaces), flag('sidecar') ? 'sidecar' : ''], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env.PILOT_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.PILOT_BENCH_PROFILE] : [],
});
const ready = await next(child, 'ready');
process.stderr.write(`pilot up with ${services} services; connecting ${proxies} proxies...\n`);
const t0 = Date.now();
const { streams, close } = await openStreams(ready.port as number, proxies, Math.ceil(proxies / 100), {
  types: TYPES, node: (k) => benchNode(k, namespaces), delta, clientFeatures: vhds ? [VHDS_CLIENT_FEATURE] : [],
});
const connectMs = Date.now() - t0;
const idle = await (child.send({ kind: 'usage' }), next(child, 'usage'));
/** The pilot's RSS at every poll: its peak during the pushes. */
const rss: number[] = [idle.rssBytes as number];
const allMs: number[] = [];
const perProxy: number[] = [];
const genAvg: number[] = [];
const genMax: number[] = [];
const before = idle;
let pushedTypes: string[] = [];
let pushedTo = 0;
const change = arg('change', 'virtualservice');
for (let p = 0; p < pushes; p++) {
  const prev = (await (child.send({ kind: 'usage' }), next(child, 'usage'))).version as string;
  const start = process.hrtime.bigint();
  child.send({ kind: 'change', what: change });
  await next(child, 'changed');
  // Converged: every stream ACKed each type the push carried, at the push's version.
  const deadline = Date.now() + 120_000;
  let version = '';
  let types: string[] = [];
  let targets: LoadStream[] = streams;
  const convergedAt = (s: LoadStream): bigint | undefined => {
    const byType = s.typeAckedAt.get(version);
    if (!byType) return undefined;
    return [...byType.values()].reduce((m, at) => (at > m ? at : m), 0n);
  };
  for (;;) {
    const u = await (child.send({ kind: 'usage' }), next(child, 'usage'));
    rss.push(u.rssBytes as number);
    version = u.version as string;
    types = (u.pushedTypes as string[]).filter((t) => TYPES.includes(t));
    const roles = u.pushedRoles as string[];
    targets = streams.filter((s) => roles.includes(s.id.slice(0, s.id.indexOf('~'))));
    const converged = u.unconverged === 0;
    if (version !== prev && converged) break;
    if (Date.now() > deadline) throw new Error(`push ${p}: not every proxy ACKed in 120 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  pushedTypes = types;
  // A proxy whose push changed nothing it holds got nothing: it is not counted.
  targets = targets.filter((s) => convergedAt(s) !== undefined);
  pushedTo = targets.length;
  let last = 0;
  for (const s of targets) {
    const ms = Number(convergedAt(s)! - start) / 1e6;
    perProxy.push(ms);
    last = Math.max(last, ms);
  }
  allMs.push(last);
  const g = (await (child.send({ kind: 'usage' }), next(child, 'usage'))).generation as { proxies: number; totalMs: number; maxMs: number };
  genAvg.push(g.totalMs / Math.max(1, g.proxies));
  genMax.push(g.maxMs);
}
const after = await (child.send({ kind: 'usage' }), next(child, 'usage'));
close();
child.send({ kind: 'stop' });
await new Promise((r) => child.once('exit', r));
perProxy.sort((a, b) => a - b);
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = {
  services, proxies, namespaces, pushes, connectMs, change, delta, vhds, sidecar: flag('sidecar'), pushedTo, pushedTypes: pushedTypes.map((t) => t.slice(t.lastIndexOf('.') + 1)),
  allConvergedMedianMs: med(allMs), allConvergedMs: allMs,
  perProxyP50Ms: percentile(perProxy, 50), perProxyP99Ms: percentile(perProxy, 99),
  generationPerProxyMedianMs: med(genAvg), generationMaxMs: Math.max(...genMax),
  cpuMsPerPush: ((after.cpuMs as number) - (before.cpuMs as number)) / pushes,
  rssMb: (after.rssBytes as number) / 2 ** 20,
  // What the RSS holds at the end: the JS heap (used, and what V8 keeps committed for it), memory
  // outside the heap that JS objects own (`external`), and of that the buffers (responses queued on sockets among them).
  heapMb: (after.heapBytes as number) / 2 ** 20, heapTotalMb: (after.heapTotalBytes as number) / 2 ** 20,
  externalMb: (after.externalBytes as number) / 2 ** 20, buffersMb: (after.buffersBytes as number) / 2 ** 20,
  peakRssMb: Math.max(...rss) / 2 ** 20,
};
console.log(`change: ${change}${delta ? ' (delta xDS)' : ''}${vhds ? ' (VHDS)' : ''}${flag('sidecar') ? ' (Sidecar-scoped)' : ''}; pushed ${result.pushedTypes.join(', ')} to ${pushedTo} of ${proxies} proxies`);
console.log('| Services | Proxies | Change to all converged, median ms | Per-proxy p50 ms | p99 ms | Generation per proxy ms (median) | Pilot CPU ms per push | Pilot RSS MB (peak) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(`| ${services} | ${proxies} | ${result.allConvergedMedianMs.toFixed(0)} | ${result.perProxyP50Ms.toFixed(0)} | ${result.perProxyP99Ms.toFixed(0)} | ` +
  `${result.generationPerProxyMedianMs.toFixed(2)} | ${result.cpuMsPerPush.toFixed(0)} | ${result.rssMb.toFixed(0)} (${result.peakRssMb.toFixed(0)}) |`);
const out = arg('out', join(here, '..', '..', 'bench', 'results', 'pilot-push.json'));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length,
  cpu: cpus()[0]?.model, memGb: totalmem() / 2 ** 30, result }, null, 2));
