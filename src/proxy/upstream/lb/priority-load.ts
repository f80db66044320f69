// How traffic splits across priority levels (Envoy's priority load with the overprovisioning
// factor) and when a level is in panic. Pure functions over host counts.

/** Host counts of one priority level. */
export interface LevelCounts {
  /** Hosts that count for health (excluded hosts left out). */
  readonly total: number;
  readonly healthyCount: number;
  readonly degraded: number;
}

/**
 * Percent of traffic per priority level. A level's health is min(100, factor% x healthy/total);
 * levels take traffic in order until the health adds up to 100, then the rest is normalised.
 * With no healthy host anywhere, everything goes to priority 0 (where panic applies).
 */
export function priorityLoad(levels: readonly LevelCounts[], overprovisioningFactor: number): number[] {
  const health = levels.map((l) => (l.total === 0 ? 0
    : Math.min(100, Math.floor((overprovisioningFactor * l.healthyCount) / l.total))));
  const load = new Array<number>(levels.length).fill(0);
  if (levels.length === 0) return load;
  const totalHealth = Math.min(100, health.reduce((a, b) => a + b, 0));
  if (totalHealth === 0) {
    load[0] = 100;
    return load;
  }
  let remaining = 100;
  let firstHealthy = -1;
  for (let i = 0; i < levels.length; i++) {
    load[i] = Math.min(remaining, Math.floor((health[i] * 100) / totalHealth));
    remaining -= load[i];
    if (health[i] > 0 && firstHealthy === -1) firstHealthy = i;
  }
  // Integer rounding leftovers go to the first level that has healthy hosts, as in Envoy.
  if (remaining > 0) load[firstHealthy] += remaining;
  return load;
}

/** A level is in panic when its healthy (plus degraded) share is below the threshold (percent; 0 disables). */
export function inPanic(level: LevelCounts, panicThreshold: number): boolean {
  if (panicThreshold <= 0) return false;
  const pct = level.total === 0 ? 0 : (100 * (level.healthyCount + level.degraded)) / level.total;
  return pct < Math.min(100, panicThreshold);
}
