// Host selection shared by every policy: choose a priority level by its load, use its healthy
// hosts or, in panic, all of them (counting lb_healthy_panic), and re-pick to avoid previous hosts.
import type { HostImpl } from '../host.js';
import type { PrioritySet } from '../priority-set.js';
import type { ClusterStats, LoadBalancerContext } from '../types.js';
import { inPanic, priorityLoad } from './priority-load.js';
import type { HostPicker, PickerFactory } from './types.js';

/** The LB settings of a cluster. */
export interface LoadBalancerSettings {
  /** Percent; 0 disables panic. */
  readonly panicThreshold: number;
  /** zone_aware_lb_config.fail_traffic_on_panic: pick nothing instead of balancing across all hosts. */
  readonly failTrafficOnPanic: boolean;
  /** The load assignment's overprovisioning factor, percent (Envoy's default 140). */
  readonly overprovisioningFactor: number;
}

/** One policy applied over a cluster's priority set; rebuild() after membership or health changes. */
export class LoadBalancer {
  private healthyPickers: (HostPicker | null)[] = [];
  private allPickers: (HostPicker | null)[] = [];
  private panic: boolean[] = [];
  /** Cumulative priority load (percent), or null when one level takes everything. */
  private cumulative: number[] | null = null;
  private soleLevel = 0;

  constructor(private readonly prioritySet: PrioritySet, private readonly factory: PickerFactory,
    private readonly settings: LoadBalancerSettings, private readonly stats: ClusterStats) {
    this.rebuild();
  }

  rebuild(): void {
    const sets = this.prioritySet.sets;
    this.healthyPickers = sets.map((s) => (s.healthy.length > 0 ? this.factory(s.healthy) : null));
    this.allPickers = sets.map(() => null);
    this.panic = sets.map((s) => inPanic(s, this.settings.panicThreshold));
    const load = priorityLoad(sets, this.settings.overprovisioningFactor);
    const full = load.indexOf(100);
    if (full !== -1 || load.length <= 1) {
      this.cumulative = null;
      this.soleLevel = full === -1 ? 0 : full;
    } else {
      let sum = 0;
      this.cumulative = load.map((l) => (sum += l));
    }
  }

  /** Picks a host, or null when the chosen level has none to offer. */
  chooseHost(ctx: LoadBalancerContext | null): HostImpl | null {
    const first = this.chooseOnce();
    if (first === null || ctx === null || ctx.avoidPreviousHosts !== true) return first;
    const previous = ctx.previousHosts;
    if (previous === undefined || previous.length === 0) return first;
    let host = first;
    const attempts = ctx.hostSelectionRetryMaxAttempts ?? 1;
    for (let i = 0; i < attempts && previous.includes(host); i++) {
      const again = this.chooseOnce();
      if (again === null) break;
      host = again;
    }
    return host;
  }

  private chooseOnce(): HostImpl | null {
    const level = this.chooseLevel();
    const set = this.prioritySet.sets[level];
    if (set === undefined) return null;
    if (this.panic[level]) {
      this.stats.lb_healthy_panic.inc();
      if (this.settings.failTrafficOnPanic || set.available.length === 0) return null;
      const picker = (this.allPickers[level] ??= this.factory(set.available));
      return picker.pick();
    }
    const picker = this.healthyPickers[level];
    return picker === null ? null : picker.pick();
  }

  private chooseLevel(): number {
    const cum = this.cumulative;
    if (cum === null) return this.soleLevel;
    const r = Math.random() * 100;
    for (let i = 0; i < cum.length; i++) if (r < cum[i]) return i;
    return cum.length - 1;
  }
}
