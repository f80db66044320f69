// A cluster's hosts grouped by priority level, with each level's healthy and available lists
// kept current, as Envoy's PrioritySet / HostSet.
import { DEGRADED_FLAGS, EXCLUDED_FLAGS, isHealthy, type HostImpl } from './host.js';
import type { LevelCounts } from './lb/priority-load.js';

/** The hosts of one priority level. */
export class HostSet implements LevelCounts {
  /** Hosts not excluded: what panic mode balances across and what health percentages count. */
  available: HostImpl[] = [];
  healthy: HostImpl[] = [];
  degraded = 0;
  excluded = 0;

  constructor(readonly priority: number, readonly hosts: HostImpl[]) {
    this.recompute();
  }

  get total(): number {
    return this.available.length;
  }

  get healthyCount(): number {
    return this.healthy.length;
  }

  recompute(): void {
    const available: HostImpl[] = [];
    const healthy: HostImpl[] = [];
    let degraded = 0;
    for (const h of this.hosts) {
      const f = h.healthFlags;
      if ((f & EXCLUDED_FLAGS) !== 0) continue;
      available.push(h);
      if (isHealthy(f)) healthy.push(h);
      else if ((f & DEGRADED_FLAGS) !== 0 && (f & ~DEGRADED_FLAGS) === 0) degraded++;
    }
    this.available = available;
    this.healthy = healthy;
    this.degraded = degraded;
    this.excluded = this.hosts.length - available.length;
  }
}

/** Every priority level of a cluster (index = priority; missing levels are empty). */
export class PrioritySet {
  sets: HostSet[] = [];
  /** The same hosts as plain arrays, for Cluster.hostsByPriority. */
  hostsByPriority: HostImpl[][] = [];

  /** Replaces the membership with `hosts` (grouped by host.priority, order kept). */
  update(hosts: readonly HostImpl[]): void {
    const byPriority: HostImpl[][] = [];
    for (const h of hosts) (byPriority[h.priority] ??= []).push(h);
    for (let p = 0; p < byPriority.length; p++) byPriority[p] ??= [];
    this.hostsByPriority = byPriority;
    this.sets = byPriority.map((list, p) => new HostSet(p, list));
  }

  /** Recomputes healthy lists after health flags changed. */
  refreshHealth(): void {
    for (const s of this.sets) s.recompute();
  }

  /** Every host, priority 0 first. */
  *hosts(): Iterable<HostImpl> {
    for (const s of this.sets) yield* s.hosts;
  }
}
