// Envoy's active health checker (HealthCheckerImplBase): one session per host with interval and
// timeout timers, the healthy/unhealthy threshold state machine, host flags and health_check.* stats.
import type { Counter, Gauge, Scope } from '../../stats/store.js';
import { NULL_HEALTH_CHECK_MONITOR, type HostImpl } from '../host.js';
import { HealthFlag, type HostHealthCheckMonitor } from '../types.js';
import type { Clock, ClockTimer } from './clock.js';
import type { HealthCheckSettings } from './health-check-config.js';

/** How a check result moved the host (Envoy's HealthTransition). */
export const enum HealthTransition {
  Unchanged,
  Changed,
  /** The result counts toward a threshold that is not reached yet. */
  ChangePending,
}

/** Why a check failed (envoy.data.core.v3.HealthCheckFailureType). */
export const enum FailureType {
  /** The host answered, and the answer says unhealthy. */
  Active,
  /** The data plane said so (x-envoy-immediate-health-check-fail). */
  Passive,
  /** Connection refused or reset. */
  Network,
  NetworkTimeout,
}

/** Envoy's `cluster.<name>.health_check.*` stats. */
export class HealthCheckStats {
  readonly attempt: Counter;
  readonly success: Counter;
  readonly failure: Counter;
  readonly network_failure: Counter;
  readonly passive_failure: Counter;
  readonly verify_cluster: Counter;
  readonly healthy: Gauge;
  readonly degraded: Gauge;

  constructor(clusterScope: Scope) {
    const p = 'health_check.';
    this.attempt = clusterScope.counter(`${p}attempt`);
    this.degraded = clusterScope.gauge(`${p}degraded`);
    this.failure = clusterScope.counter(`${p}failure`);
    this.healthy = clusterScope.gauge(`${p}healthy`);
    this.network_failure = clusterScope.counter(`${p}network_failure`);
    this.passive_failure = clusterScope.counter(`${p}passive_failure`);
    this.success = clusterScope.counter(`${p}success`);
    this.verify_cluster = clusterScope.counter(`${p}verify_cluster`);
  }
}

/** What the checker needs from its cluster. */
export interface HealthCheckerOwner {
  readonly clusterName: string;
  readonly connectTimeoutMs: number;
  /** Host flags changed in a way the load balancer must see. */
  onHostHealthChanged(): void;
  /** Whether the cluster ever opened an upstream connection (else no_traffic_interval applies). */
  hasTraffic(): boolean;
}

/** Told after every check of every host (Envoy's HostStatusCb). */
export type HostCheckCallback = (host: HostImpl, transition: HealthTransition, healthy: boolean) => void;

/** Makes the protocol-specific session for a host. */
export type SessionFactory = (checker: HealthChecker, host: HostImpl) => HealthCheckSession;

/** One host's checks (Envoy's ActiveHealthCheckSession); subclasses speak the protocol. */
export abstract class HealthCheckSession implements HostHealthCheckMonitor {
  private intervalTimer: ClockTimer | null = null;
  private timeoutTimer: ClockTimer | null = null;
  private numHealthy = 0;
  private numUnhealthy = 0;
  /** No result yet (the first success makes the host healthy at once). */
  firstCheck = true;
  stopped = false;

  constructor(readonly parent: HealthChecker, readonly host: HostImpl) {
    if ((host.healthFlags & HealthFlag.FailedActiveHc) === 0) parent.stats.healthy.inc();
    if ((host.healthFlags & HealthFlag.DegradedActiveHc) !== 0) parent.stats.degraded.inc();
  }

  /** Sends one check (connecting first when needed). */
  protected abstract onInterval(): void;
  /** The check timed out: drop the connection without reporting. */
  protected abstract onTimeout(): void;
  /** Closes the connection for good (session removed). */
  protected abstract onStop(): void;

  /** The port checks go to (alt_port, else the host's). */
  get port(): number {
    return this.parent.settings.altPort || this.host.port;
  }

  start(): void {
    const jitter = this.parent.settings.initialJitterMs;
    if (jitter === 0) this.onIntervalBase();
    else this.intervalTimer = this.parent.clock.schedule(this.parent.withJitter(0, jitter), () => this.onIntervalBase());
  }

  private onIntervalBase(): void {
    this.intervalTimer = null;
    if (this.stopped) return;
    this.parent.stats.attempt.inc();
    this.timeoutTimer = this.parent.clock.schedule(this.parent.settings.timeoutMs, () => this.onTimeoutBase());
    this.onInterval();
  }

  private onTimeoutBase(): void {
    this.timeoutTimer = null;
    if (this.stopped) return;
    this.onTimeout();
    this.handleFailure(FailureType.NetworkTimeout, false);
  }

  /** A passing check; `degraded` when the host said x-envoy-degraded. */
  handleSuccess(degraded: boolean): void {
    if (this.stopped) return;
    const host = this.host;
    const stats = this.parent.stats;
    this.numUnhealthy = 0;
    let changed = HealthTransition.Unchanged;
    if ((host.healthFlags & HealthFlag.FailedActiveHc) !== 0) {
      if (this.firstCheck || ++this.numHealthy === this.parent.settings.healthyThreshold) {
        host.healthFlags &= ~(HealthFlag.ActiveHcTimeout | HealthFlag.ExcludedViaImmediateHcFail | HealthFlag.FailedActiveHc);
        stats.healthy.inc();
        changed = HealthTransition.Changed;
      } else {
        changed = HealthTransition.ChangePending;
      }
    }
    changed = this.clearPendingFlag(changed);
    if (degraded !== ((host.healthFlags & HealthFlag.DegradedActiveHc) !== 0)) {
      if (degraded) {
        host.healthFlags |= HealthFlag.DegradedActiveHc;
        stats.degraded.inc();
      } else {
        host.healthFlags &= ~HealthFlag.DegradedActiveHc;
        stats.degraded.dec();
      }
      if (changed === HealthTransition.Unchanged) changed = HealthTransition.Changed;
    }
    stats.success.inc();
    this.firstCheck = false;
    this.parent.runCallbacks(host, changed, true);
    this.rearm(true, changed);
  }

  /** A failing check; network failures and retriable statuses wait for unhealthy_threshold. */
  handleFailure(type: FailureType, retriable: boolean): void {
    if (this.stopped) return;
    const changed = this.setUnhealthy(type, retriable);
    this.rearm(false, changed);
  }

  /** Envoy's setUnhealthy: flags, counters and callbacks, without touching the timers. */
  setUnhealthy(type: FailureType, retriable: boolean): HealthTransition {
    const host = this.host;
    const stats = this.parent.stats;
    const network = type === FailureType.Network || type === FailureType.NetworkTimeout;
    this.numHealthy = 0;
    let changed = HealthTransition.Unchanged;
    if ((host.healthFlags & HealthFlag.FailedActiveHc) === 0) {
      if ((!network && !retriable) || ++this.numUnhealthy === this.parent.settings.unhealthyThreshold) {
        host.healthFlags |= HealthFlag.FailedActiveHc;
        stats.healthy.dec();
        changed = HealthTransition.Changed;
      } else {
        changed = HealthTransition.ChangePending;
      }
    }
    // A host failing by timeout shows /active_hc_timeout until it fails some other way or passes.
    if (type === FailureType.NetworkTimeout && (host.healthFlags & HealthFlag.FailedActiveHc) !== 0) {
      host.healthFlags |= HealthFlag.ActiveHcTimeout;
    } else {
      host.healthFlags &= ~HealthFlag.ActiveHcTimeout;
    }
    changed = this.clearPendingFlag(changed);
    stats.failure.inc();
    if (network) stats.network_failure.inc();
    else if (type === FailureType.Passive) stats.passive_failure.inc();
    this.firstCheck = false;
    this.parent.runCallbacks(host, changed, false);
    return changed;
  }

  /** x-envoy-immediate-health-check-fail from the router. */
  setUnhealthyImmediate(): void {
    if (this.stopped) return;
    this.host.healthFlags |= HealthFlag.ExcludedViaImmediateHcFail;
    // setUnhealthy notifies only on a transition; the exclusion must reach the balancer either way.
    if (this.setUnhealthy(FailureType.Passive, false) !== HealthTransition.Changed) this.parent.owner.onHostHealthChanged();
  }

  private clearPendingFlag(changed: HealthTransition): HealthTransition {
    if ((this.host.healthFlags & HealthFlag.PendingActiveHc) === 0) return changed;
    this.host.healthFlags &= ~HealthFlag.PendingActiveHc;
    return HealthTransition.Changed;
  }

  private rearm(healthy: boolean, changed: HealthTransition): void {
    if (this.stopped) return;
    this.timeoutTimer?.cancel();
    this.timeoutTimer = null;
    this.intervalTimer?.cancel();
    this.intervalTimer = this.parent.clock.schedule(this.parent.interval(healthy, changed), () => this.onIntervalBase());
  }

  /** Stops the timers and the connection; the healthy/degraded gauges drop this host. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.intervalTimer?.cancel();
    this.timeoutTimer?.cancel();
    this.intervalTimer = this.timeoutTimer = null;
    const healthy = (this.host.healthFlags & HealthFlag.FailedActiveHc) === 0;
    if (healthy) this.parent.stats.healthy.dec();
    if ((this.host.healthFlags & HealthFlag.DegradedActiveHc) !== 0) this.parent.stats.degraded.dec();
    this.onStop();
    // Whoever waits for the first round must not wait for a check that will never run.
    if (this.firstCheck) this.parent.runCallbacks(this.host, HealthTransition.Unchanged, healthy);
  }
}

/** Active health checking of one cluster. */
export class HealthChecker {
  readonly stats: HealthCheckStats;
  private readonly sessions = new Map<HostImpl, HealthCheckSession>();
  private readonly callbacks: HostCheckCallback[] = [];
  private started = false;
  /** Hosts whose first check is still awaited by initialChecks(). */
  private awaiting: Set<HostImpl> | null = null;
  private awaitingDone: (() => void) | null = null;

  constructor(readonly settings: HealthCheckSettings, scope: Scope, readonly owner: HealthCheckerOwner,
    readonly clock: Clock, readonly random: () => number, private readonly makeSession: SessionFactory) {
    this.stats = new HealthCheckStats(scope);
    this.callbacks.push((host, transition) => this.onCheckComplete(host, transition));
  }

  /** Adds a callback run after every check (outlier detection unejects on success). */
  addHostCheckCompleteCb(cb: HostCheckCallback): void {
    this.callbacks.push(cb);
  }

  runCallbacks(host: HostImpl, transition: HealthTransition, healthy: boolean): void {
    for (const cb of this.callbacks) cb(host, transition, healthy);
  }

  private onCheckComplete(host: HostImpl, transition: HealthTransition): void {
    if (transition === HealthTransition.Changed) this.owner.onHostHealthChanged();
    const waiting = this.awaiting;
    if (waiting !== null && waiting.delete(host) && waiting.size === 0) this.finishAwaiting();
  }

  /** Starts checking the hosts given so far and any added later. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const s of this.sessions.values()) s.start();
  }

  /** Membership changed: sessions for new hosts, none for removed ones. */
  onHostsChanged(added: readonly HostImpl[], removed: readonly HostImpl[]): void {
    for (const h of removed) {
      const s = this.sessions.get(h);
      if (s === undefined) continue;
      this.sessions.delete(h);
      h.healthChecker = NULL_HEALTH_CHECK_MONITOR;
      s.stop();
    }
    for (const h of added) {
      if (this.sessions.has(h)) continue;
      const s = this.makeSession(this, h);
      this.sessions.set(h, s);
      h.healthChecker = s;
      if (this.started) s.start();
    }
  }

  /** Resolves once every current host has had its first check (Envoy holds cluster warming for it). */
  initialChecks(): Promise<void> {
    const waiting = new Set<HostImpl>();
    for (const s of this.sessions.values()) if (s.firstCheck) waiting.add(s.host);
    if (waiting.size === 0) return Promise.resolve();
    this.awaiting = waiting;
    return new Promise((resolve) => {
      this.awaitingDone = resolve;
    });
  }

  private finishAwaiting(): void {
    const done = this.awaitingDone;
    this.awaiting = null;
    this.awaitingDone = null;
    done?.();
  }

  /** The wait before the next check (Envoy's HealthCheckerImplBase::interval). */
  interval(healthy: boolean, changed: HealthTransition): number {
    const s = this.settings;
    const pending = changed === HealthTransition.ChangePending;
    let base: number;
    if (this.owner.hasTraffic()) {
      if (healthy) base = pending ? s.healthyEdgeIntervalMs : s.intervalMs;
      else base = pending ? s.unhealthyEdgeIntervalMs : s.unhealthyIntervalMs;
    } else {
      base = healthy && !pending ? s.noTrafficHealthyIntervalMs : s.noTrafficIntervalMs;
    }
    return this.withJitter(base, s.intervalJitterMs);
  }

  /** `base` plus interval_jitter_percent of it and up to `jitterMs`, at least 1 ms. */
  withJitter(base: number, jitterMs: number): number {
    let ms = base;
    const percentMod = Math.floor((this.settings.intervalJitterPercent * base) / 100);
    if (percentMod > 0) ms += Math.floor(this.random() * percentMod);
    if (jitterMs > 0) ms += Math.floor(this.random() * jitterMs);
    return Math.max(1, ms);
  }

  /** The session of `host`, if checked. */
  session(host: HostImpl): HealthCheckSession | undefined {
    return this.sessions.get(host);
  }

  /** Stops every session (cluster removed or replaced). */
  stop(): void {
    for (const [h, s] of this.sessions) {
      h.healthChecker = NULL_HEALTH_CHECK_MONITOR;
      s.stop();
    }
    this.sessions.clear();
    this.finishAwaiting();
  }
}
