// The local rate limit filter's stats, `<stat_prefix>.http_local_rate_limit.*` at the root of the
// store, with Envoy's names (ALL_LOCAL_RATE_LIMIT_STATS).
import type { Counter, StatsStore } from '../../../stats/store.js';

const COUNTERS = ['enabled', 'enforced', 'rate_limited', 'ok'] as const;

/** Handles for every local rate limit stat of one config. */
export type LocalRateLimitStats = Record<(typeof COUNTERS)[number], Counter>;

/** Resolves the stats for `statPrefix` (the config's stat_prefix). */
export function createLocalRateLimitStats(store: StatsStore, statPrefix: string): LocalRateLimitStats {
  const scope = store.scope(`${statPrefix}.http_local_rate_limit`);
  const s: Record<string, Counter> = {};
  for (const c of COUNTERS) s[c] = scope.counter(c);
  return s as LocalRateLimitStats;
}
