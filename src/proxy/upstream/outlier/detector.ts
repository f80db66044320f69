// Envoy's outlier detector (DetectorImpl): ejects hosts on consecutive errors at once and on success
// rate / failure percentage every interval, within max_ejection_percent; brings them back after
// base_ejection_time x (times recently ejected), capped by max_ejection_time.
import type { Scope } from '../../stats/store.js';
import type { Clock, ClockTimer } from '../health/clock.js';
import { HealthTransition, type HealthChecker } from '../health/health-checker.js';
import { NULL_OUTLIER_MONITOR, type HostImpl } from '../host.js';
import { HealthFlag, type Host, type OutlierDetector, type OutlierOrigin } from '../types.js';
import { DetectorHostMonitor, type ConsecutiveErrorSink, type SuccessRateMonitor } from './host-monitor.js';
import type { OutlierSettings } from './outlier-config.js';
import { EjectionType, OutlierStats } from './outlier-stats.js';

/** What the detector needs from its cluster. */
export interface OutlierDetectorOwner {
  /** A host was ejected or brought back: recompute healthy sets. */
  onHostHealthChanged(): void;
}

/** Mean and ejection threshold of one success-rate pass. */
class SuccessRateNumbers {
  average = -1;
  threshold = -1;
}

/** Outlier detection of one cluster. */
export class OutlierDetectorImpl implements OutlierDetector, ConsecutiveErrorSink {
  readonly stats: OutlierStats;
  private readonly monitors = new Map<HostImpl, DetectorHostMonitor>();
  /** Hosts this detector has ejected now (mirrored into the ejections_active gauge). */
  private active = 0;
  private timer: ClockTimer | null = null;
  private stopped = false;
  private readonly external = new SuccessRateNumbers();
  private readonly local = new SuccessRateNumbers();

  constructor(readonly settings: OutlierSettings, clusterScope: Scope, private readonly owner: OutlierDetectorOwner,
    private readonly clock: Clock, private readonly random: () => number) {
    this.stats = new OutlierStats(clusterScope);
  }

  /** Starts the interval sweeps. */
  start(): void {
    if (this.timer === null && !this.stopped) this.arm();
  }

  /** successful_active_health_check_uneject_host: a passing active check brings an ejected host back. */
  attachHealthChecker(hc: HealthChecker): void {
    if (!this.settings.successfulActiveHealthCheckUnejectHost) return;
    hc.addHostCheckCompleteCb((host, _t: HealthTransition, healthy) => {
      const f = host.healthFlags;
      if (healthy && (f & HealthFlag.FailedActiveHc) === 0 && (f & HealthFlag.FailedOutlierCheck) !== 0
        && this.monitors.has(host)) {
        this.unejectHost(host);
      }
    });
  }

  /** Membership changed: monitors for new hosts; removed ejected hosts leave ejections_active. */
  onHostsChanged(added: readonly HostImpl[], removed: readonly HostImpl[]): void {
    for (const h of removed) {
      if (!this.monitors.delete(h)) continue;
      h.outlier = NULL_OUTLIER_MONITOR;
      if ((h.healthFlags & HealthFlag.FailedOutlierCheck) !== 0) this.decActive();
    }
    for (const h of added) {
      if (this.monitors.has(h)) continue;
      const m = new DetectorHostMonitor(this, h, this.settings);
      this.monitors.set(h, m);
      h.outlier = m;
    }
  }

  /** The monitor of `host`, if it is a member. */
  monitor(host: Host): DetectorHostMonitor | undefined {
    return this.monitors.get(host as HostImpl);
  }

  // ---- OutlierDetector (admin) ----
  successRateAverage(origin: OutlierOrigin): number {
    return (origin === 'external' ? this.external : this.local).average;
  }

  successRateEjectionThreshold(origin: OutlierOrigin): number {
    return (origin === 'external' ? this.external : this.local).threshold;
  }

  hostSuccessRate(host: Host, origin: OutlierOrigin): number {
    const m = this.monitors.get(host as HostImpl);
    if (m === undefined) return -1;
    return (origin === 'external' ? m.external : m.local).successRate;
  }

  // ---- ejection ----

  /** A consecutive-error threshold was reached (Envoy posts this to the main thread; we are on it). */
  onConsecutiveError(host: HostImpl, type: EjectionType): void {
    const m = this.monitors.get(host);
    if (m === undefined || this.stopped) return;
    if ((host.healthFlags & HealthFlag.FailedOutlierCheck) !== 0) return;
    this.stats.detected[type].inc();
    this.ejectHost(host, m, type);
    if (type === EjectionType.Consecutive5xx) this.stats.ejections_consecutive_5xx.inc();
    m.resetCounter(type);
  }

  private enforced(type: EjectionType): boolean {
    const s = this.settings;
    let percent: number;
    switch (type) {
      case EjectionType.Consecutive5xx: percent = s.enforcingConsecutive5xx; break;
      case EjectionType.ConsecutiveGatewayFailure: percent = s.enforcingConsecutiveGatewayFailure; break;
      case EjectionType.SuccessRate: percent = s.enforcingSuccessRate; break;
      case EjectionType.ConsecutiveLocalOriginFailure: percent = s.enforcingConsecutiveLocalOriginFailure; break;
      case EjectionType.SuccessRateLocalOrigin: percent = s.enforcingLocalOriginSuccessRate; break;
      case EjectionType.FailurePercentage: percent = s.enforcingFailurePercentage; break;
      default: percent = s.enforcingFailurePercentageLocalOrigin; break;
    }
    return percent >= 100 || (percent > 0 && Math.floor(this.random() * 100) < percent);
  }

  private ejectHost(host: HostImpl, m: DetectorHostMonitor, type: EjectionType): void {
    // One pass may find a host by both success rate and failure percentage: eject it once.
    if ((host.healthFlags & HealthFlag.FailedOutlierCheck) !== 0) return;
    const s = this.settings;
    // Counted as if this host were already out (Envoy >= 1.27): with 10% and 3 hosts, none may go.
    const ejectedPercent = (100 * (this.active + 1)) / this.monitors.size;
    const allowed = ejectedPercent <= s.maxEjectionPercent || (s.alwaysEjectOneHost && this.active === 0);
    if (!allowed) {
      this.stats.ejections_overflow.inc();
      return;
    }
    if (type === EjectionType.Consecutive5xx || type === EjectionType.SuccessRate) this.stats.ejections_total.inc();
    if (!this.enforced(type)) return;
    this.active++;
    this.stats.ejections_active.inc();
    this.stats.ejections_enforced_total.inc();
    this.stats.enforced[type].inc();
    host.healthFlags |= HealthFlag.FailedOutlierCheck;
    m.numEjections++;
    m.lastEjectionMs = this.clock.now();
    m.jitterMs = Math.floor(this.random() * (s.maxEjectionTimeJitterMs + 1));
    if (m.ejectTimeBackoff * s.baseEjectionTimeMs < s.maxEjectionTimeMs + s.baseEjectionTimeMs) m.ejectTimeBackoff++;
    this.owner.onHostHealthChanged();
  }

  private unejectHost(host: HostImpl): void {
    const m = this.monitors.get(host)!;
    this.decActive();
    host.healthFlags &= ~HealthFlag.FailedOutlierCheck;
    // A counter close to its threshold would eject again after very few new errors.
    m.resetAllCounters();
    m.lastUnejectionMs = this.clock.now();
    this.owner.onHostHealthChanged();
  }

  private decActive(): void {
    this.active--;
    this.stats.ejections_active.dec();
  }

  // ---- the interval sweep ----

  private arm(): void {
    this.timer = this.clock.schedule(this.settings.intervalMs, () => this.onIntervalTimer());
  }

  /** Ejection times up, success-rate buckets rotated, success-rate and failure-percentage ejections. */
  onIntervalTimer(): void {
    this.timer = null;
    if (this.stopped) return;
    const now = this.clock.now();
    const s = this.settings;
    for (const [host, m] of this.monitors) {
      if ((host.healthFlags & HealthFlag.FailedOutlierCheck) !== 0) {
        const ejectFor = Math.min(s.baseEjectionTimeMs * m.ejectTimeBackoff, s.maxEjectionTimeMs) + m.jitterMs;
        if (ejectFor <= now - m.lastEjectionMs) this.unejectHost(host);
      }
      m.external.swap();
      m.local.swap();
      m.external.successRate = -1;
      m.local.successRate = -1;
    }
    this.processSuccessRate('external');
    this.processSuccessRate('local');
    for (const [host, m] of this.monitors) {
      // The backoff decays by one per interval the host stays in after coming back.
      if ((host.healthFlags & HealthFlag.FailedOutlierCheck) === 0 && m.lastUnejectionMs >= 0
        && now - m.lastUnejectionMs >= s.intervalMs && m.ejectTimeBackoff > 0) {
        m.ejectTimeBackoff--;
      }
    }
    this.arm();
  }

  private processSuccessRate(origin: OutlierOrigin): void {
    const s = this.settings;
    const nums = origin === 'external' ? this.external : this.local;
    nums.average = -1;
    nums.threshold = -1;
    const n = this.monitors.size;
    if (n < s.successRateMinimumHosts && n < s.failurePercentageMinimumHosts) return;
    const bySuccessRate: [HostImpl, DetectorHostMonitor, number][] = [];
    const byFailurePercentage: [HostImpl, DetectorHostMonitor, number][] = [];
    let sum = 0;
    for (const [host, m] of this.monitors) {
      if ((host.healthFlags & HealthFlag.FailedOutlierCheck) !== 0) continue;
      const mon: SuccessRateMonitor = origin === 'external' ? m.external : m.local;
      const rv = mon.rateAndVolume();
      if (rv === null) continue;
      const [rate, volume] = rv;
      if (volume >= Math.min(s.successRateRequestVolume, s.failurePercentageRequestVolume)) mon.successRate = rate;
      if (volume >= s.successRateRequestVolume) {
        bySuccessRate.push([host, m, rate]);
        sum += rate;
      }
      if (volume >= s.failurePercentageRequestVolume) byFailurePercentage.push([host, m, rate]);
    }
    if (bySuccessRate.length > 0 && bySuccessRate.length >= s.successRateMinimumHosts) {
      const mean = sum / bySuccessRate.length;
      let variance = 0;
      for (const [, , rate] of bySuccessRate) variance += (rate - mean) ** 2;
      variance /= bySuccessRate.length;
      nums.average = mean;
      nums.threshold = mean - s.successRateStdevFactor * Math.sqrt(variance);
      const type = origin === 'external' ? EjectionType.SuccessRate : EjectionType.SuccessRateLocalOrigin;
      for (const [host, m, rate] of bySuccessRate) {
        if (rate >= nums.threshold) continue;
        this.stats.ejections_success_rate.inc();
        this.stats.detected[type].inc();
        this.ejectHost(host, m, type);
      }
    }
    if (byFailurePercentage.length > 0 && byFailurePercentage.length >= s.failurePercentageMinimumHosts) {
      const type = origin === 'external' ? EjectionType.FailurePercentage : EjectionType.FailurePercentageLocalOrigin;
      for (const [host, m, rate] of byFailurePercentage) {
        if (100 - rate < s.failurePercentageThreshold) continue;
        this.stats.detected[type].inc();
        this.ejectHost(host, m, type);
      }
    }
  }

  /** Stops the sweeps; the cluster is gone, so its ejections leave ejections_active. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    for (const h of this.monitors.keys()) {
      h.outlier = NULL_OUTLIER_MONITOR;
      if ((h.healthFlags & HealthFlag.FailedOutlierCheck) !== 0) this.decActive();
    }
    this.monitors.clear();
  }
}
