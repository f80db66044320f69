// The fault filter's stats, `http.<stat_prefix>.fault.*`, with Envoy's names (ALL_FAULT_FILTER_STATS)
// plus the per-downstream-cluster `<cluster>.delays_injected` / `<cluster>.aborts_injected` counters.
import type { Counter, Gauge, Scope } from '../../../stats/store.js';

const COUNTERS = ['delays_injected', 'aborts_injected', 'response_rl_injected', 'faults_overflow'] as const;
const GAUGES = ['active_faults'] as const;

/** Handles for every fault stat of one filter config. */
export type FaultStats = Record<(typeof COUNTERS)[number], Counter> & Record<(typeof GAUGES)[number], Gauge> & {
  /** The `fault` scope, for the per-downstream-cluster counters. */
  readonly scope: Scope;
};

/** Resolves the fault stats under `scope` (`http.<stat_prefix>.fault`). */
export function createFaultStats(scope: Scope): FaultStats {
  const s: Record<string, unknown> = { scope };
  for (const c of COUNTERS) s[c] = scope.counter(c);
  for (const g of GAUGES) s[g] = scope.gauge(g);
  return s as FaultStats;
}

/** Counts an injected fault for the downstream cluster named by x-envoy-downstream-service-cluster. */
export function incDownstreamCluster(stats: FaultStats, cluster: string, stat: 'delays_injected' | 'aborts_injected'): void {
  stats.scope.counter(`${cluster}.${stat}`).inc();
}
