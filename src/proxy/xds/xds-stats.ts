// Envoy's stats of xDS subscriptions: <prefix>.update_attempt/_success/_rejected/_failure, the
// version and update_time gauges; RDS adds config_reload; VHDS has config_reload and empty_update.
import { createHash } from 'node:crypto';
import type { Counter, Gauge, StatsStore } from '../stats/store.js';

/** One subscription's stats, e.g. `cluster_manager.cds.*` or `listener_manager.lds.*`. */
export class SubscriptionStats {
  readonly updateAttempt: Counter;
  readonly updateSuccess: Counter;
  readonly updateRejected: Counter;
  readonly updateFailure: Counter;
  readonly version: Gauge;
  /** Time of the last accepted update, ms since the epoch. */
  readonly updateTime: Gauge;

  constructor(store: StatsStore, prefix: string) {
    const s = store.scope(prefix);
    this.updateAttempt = s.counter('update_attempt');
    this.updateSuccess = s.counter('update_success');
    this.updateRejected = s.counter('update_rejected');
    this.updateFailure = s.counter('update_failure');
    this.version = s.gauge('version', 'never');
    this.updateTime = s.gauge('update_time', 'never');
  }

  /** Counts one response: accepted (version gauge set) or rejected. */
  record(error: string | null, version: string): void {
    this.updateAttempt.inc();
    if (error !== null) {
      this.updateRejected.inc();
      return;
    }
    this.updateSuccess.inc();
    this.updateTime.set(Date.now());
    // Envoy: the first 64 bits of a hash of version_info.
    this.version.set(Number(createHash('sha256').update(version).digest().readBigUInt64BE(0) >> 12n));
  }
}

/** An RDS subscription's stats: the common ones plus config_reload (the table actually changed). */
export class RdsStats extends SubscriptionStats {
  readonly configReload: Counter;

  constructor(store: StatsStore, prefix: string) {
    super(store, prefix);
    this.configReload = store.scope(prefix).counter('config_reload');
  }

  /** Counts one route configuration of a response; `reloaded` when a new table went in. */
  override record(error: string | null, version: string, reloaded = false): void {
    super.record(error, version);
    if (reloaded) this.configReload.inc();
  }
}

/** One VHDS subscription's stats, `http.<stat_prefix>.vhds.<route_config_name>.*` (Envoy's two counters). */
export class VhdsStats {
  readonly configReload: Counter;
  readonly emptyUpdate: Counter;

  constructor(store: StatsStore, prefix: string) {
    const s = store.scope(prefix);
    this.configReload = s.counter('config_reload');
    this.emptyUpdate = s.counter('empty_update');
  }
}
