// Host selection shared by every policy: choose a priority level by its load, use its healthy
// hosts or, in panic, all of them (counting lb_healthy_panic), and re-pick to avoid previous hosts.
// Consistent-hash policies choose the level and the host from the request's hash (Envoy's
// ThreadAwareLoadBalancerBase), or from a random one when the request has none.
import type { HostImpl } from '../host.js';
import type { PrioritySet } from '../priority-set.js';
import type { ClusterStats, LoadBalancerContext } from '../types.js';
import { inPanic, priorityLoad } from './priority-load.js';
import { localityWeightedPicker } from './locality-picker.js';
import { random32, type HashPicker, type HashPickerFactory, type HostPicker, type PickerFactory } from './types.js';

/** The LB settings of a cluster. */
export interface LoadBalancerSettings {
  /** Percent; 0 disables panic. */
  readonly panicThreshold: number;
  /** zone_aware_lb_config.fail_traffic_on_panic: pick nothing instead of balancing across all hosts. */
  readonly failTrafficOnPanic: boolean;
  /** The load assignment's overprovisioning factor, percent (Envoy's default 140). */
  readonly overprovisioningFactor: number;
  /** locality_weighted_lb_config: pick a locality by weight first (not with consistent hashing, as Envoy). */
  readonly localityWeighted?: boolean;
}

/** One policy applied over a cluster's priority set; rebuild() after membership or health changes. */
export class LoadBalancer {
  private healthyPickers: (HostPicker | null)[] = [];
  private allPickers: (HostPicker | null)[] = [];
  private panic: boolean[] = [];
  /** Cumulative priority load (percent), or null when one level takes everything. */
  private cumulative: number[] | null = null;
  private soleLevel = 0;
  /** The factory builds HashPickers (RING_HASH, MAGLEV). */
  private readonly hashing: boolean;

  constructor(private readonly prioritySet: PrioritySet, private readonly factory: PickerFactory,
    private readonly settings: LoadBalancerSettings, private readonly stats: ClusterStats) {
    this.hashing = (factory as Partial<HashPickerFactory>).consistentHash === true;
    this.rebuild();
  }

  rebuild(): void {
    const sets = this.prioritySet.sets;
    const byLocality = this.settings.localityWeighted === true && !this.hashing;
    this.healthyPickers = sets.map((s) => {
      if (s.healthy.length === 0) return null;
      if (byLocality) return localityWeightedPicker(s.healthy, s.available, this.factory, this.settings.overprovisioningFactor);
      return this.factory(s.healthy);
    });
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
    if (this.hashing) return this.chooseByHash(ctx);
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
    const level = this.cumulative === null ? this.soleLevel : this.chooseLevel(Math.random() * 100);
    const picker = this.pickerFor(level);
    return picker === null ? null : picker.pick();
  }

  /**
   * Envoy's consistent-hash selection: the hash (the request's, else random) picks the level
   * (hash % 100 against the priority load) and the host; host selection retries re-pick from the
   * same hash with attempt 1, 2 ...
   */
  private chooseByHash(ctx: LoadBalancerContext | null): HostImpl | null {
    const key = ctx === null ? undefined : ctx.hashKey;
    let h: number;
    let l: number;
    if (key === undefined) {
      h = random32();
      l = random32();
    } else {
      const k = BigInt.asUintN(64, key);
      h = Number(k >> 32n);
      l = Number(k & 0xffffffffn);
    }
    // (h * 2^32 + l) % 100, with 2^32 % 100 = 96.
    const picker = this.pickerFor(this.chooseLevel(((h % 100) * 96 + (l % 100)) % 100)) as HashPicker | null;
    if (picker === null) return null;
    let host = picker.pickByHash(h, l, 0);
    if (ctx === null || ctx.avoidPreviousHosts !== true) return host;
    const previous = ctx.previousHosts;
    if (previous === undefined || previous.length === 0) return host;
    const attempts = ctx.hostSelectionRetryMaxAttempts ?? 1;
    for (let i = 1; i <= attempts && previous.includes(host); i++) host = picker.pickByHash(h, l, i);
    return host;
  }

  /** The picker of a level: its healthy hosts, or in panic all available ones (counted), or null. */
  private pickerFor(level: number): HostPicker | null {
    const set = this.prioritySet.sets[level];
    if (set === undefined) return null;
    if (this.panic[level]) {
      this.stats.lb_healthy_panic.inc();
      if (this.settings.failTrafficOnPanic || set.available.length === 0) return null;
      return (this.allPickers[level] ??= this.factory(set.available));
    }
    return this.healthyPickers[level];
  }

  /** The level whose cumulative load first exceeds r (0 <= r < 100). */
  private chooseLevel(r: number): number {
    const cum = this.cumulative;
    if (cum === null) return this.soleLevel;
    for (let i = 0; i < cum.length; i++) if (r < cum[i]) return i;
    return cum.length - 1;
  }
}
