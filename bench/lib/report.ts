// Results of bench/proxy-bench: the per-target record kept in the JSON file, and the markdown
// tables printed at the end (added latency is each target's percentile minus direct's).
import type { HeyResult } from './hey.js';
import type { TargetName } from './targets.js';

/** Everything measured for one target (or why it was skipped). */
export interface TargetResult {
  target: TargetName;
  skipped?: string;
  /** (a) max throughput run. */
  throughput?: HeyResult;
  /** (b) fixed-rate run with a request body. */
  latency?: HeyResult;
  /** Proxy CPU seconds (process tree, user+system) per 1000 requests during (b). */
  cpuSecondsPer1000?: number;
  /** Same during (a), at saturation. */
  cpuSecondsPer1000AtMax?: number;
  /** Proxy CPU use during (a), in cores (1.0 = one core busy all the time). */
  cpuCoresAtMax?: number;
  /** Upstream nginx CPU use during (a), in cores: shows whether the upstream was the limit. */
  upstreamCpuCoresAtMax?: number;
  /** Sum of VmHWM over the proxy's process tree at the end of its runs. */
  peakRssBytes?: number;
}

const DASH = '—';

function ms(v: number | undefined): string {
  return v === undefined ? DASH : v.toFixed(1);
}

function added(v: number | undefined, base: number | undefined): string {
  if (v === undefined || base === undefined) return DASH;
  const d = v - base;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)}`;
}

function failures(r: TargetResult): number {
  let n = 0;
  for (const h of [r.throughput, r.latency]) if (h) n += h.errors + (h.responses - h.okResponses);
  return n;
}

/** The main results table, one row per target. */
export function resultsTable(results: readonly TargetResult[]): string {
  const direct = results.find((r) => r.target === 'direct' && r.latency)?.latency?.latencyMs;
  const rows = [
    '| Target | Max req/s (16 conn) | p50 ms | p90 ms | p99 ms | Added p50 / p90 / p99 ms | CPU s per 1k req | Peak RSS MB | Failed req |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    if (r.skipped !== undefined) {
      rows.push(`| ${r.target} | skipped: ${r.skipped.split('\n')[0]!.replace(/\|/g, '/').slice(0, 120)} | | | | | | | |`);
      continue;
    }
    const l = r.latency?.latencyMs;
    const isDirect = r.target === 'direct';
    rows.push(`| ${r.target} | ${r.throughput ? Math.round(r.throughput.okRps) : DASH} | ${ms(l?.p50)} | ${ms(l?.p90)} | ${ms(l?.p99)} | ${
      isDirect ? DASH : `${added(l?.p50, direct?.p50)} / ${added(l?.p90, direct?.p90)} / ${added(l?.p99, direct?.p99)}`} | ${
      r.cpuSecondsPer1000 === undefined ? DASH : r.cpuSecondsPer1000.toFixed(3)} | ${
      r.peakRssBytes === undefined ? DASH : (r.peakRssBytes / 1048576).toFixed(1)} | ${failures(r)} |`);
  }
  return rows.join('\n');
}

/** CPU use at saturation: is the proxy's single worker (or the upstream) the limit? */
export function saturationTable(results: readonly TargetResult[]): string {
  const rows = [
    '| Target | Proxy CPU cores at max | Upstream CPU cores at max | Proxy CPU s per 1k req at max |',
    '|---|---:|---:|---:|',
  ];
  for (const r of results) {
    if (r.skipped !== undefined) continue;
    rows.push(`| ${r.target} | ${r.cpuCoresAtMax?.toFixed(2) ?? DASH} | ${r.upstreamCpuCoresAtMax?.toFixed(2) ?? DASH} | ${
      r.cpuSecondsPer1000AtMax?.toFixed(3) ?? DASH} |`);
  }
  return rows.join('\n');
}
