// Envoy's stats of xDS subscriptions: <prefix>.update_attempt/_success/_rejected/_failure, the
// version gauge (a hash of version_info), and control_plane.connected_state.
import { createHash } from 'node:crypto';
import type { Counter, Gauge, StatsStore } from '../stats/store.js';

/** One subscription's stats, e.g. `cluster_manager.cds.*` or `listener_manager.lds.*`. */
export class SubscriptionStats {
  readonly updateAttempt: Counter;
  readonly updateSuccess: Counter;
  readonly updateRejected: Counter;
  readonly updateFailure: Counter;
  readonly version: Gauge;

  constructor(store: StatsStore, prefix: string) {
    const s = store.scope(prefix);
    this.updateAttempt = s.counter('update_attempt');
    this.updateSuccess = s.counter('update_success');
    this.updateRejected = s.counter('update_rejected');
    this.updateFailure = s.counter('update_failure');
    this.version = s.gauge('version', 'never');
  }

  /** Counts one response: accepted (version gauge set) or rejected. */
  record(error: string | null, version: string): void {
    this.updateAttempt.inc();
    if (error !== null) {
      this.updateRejected.inc();
      return;
    }
    this.updateSuccess.inc();
    // Envoy: the first 64 bits of a hash of version_info.
    this.version.set(Number(createHash('sha256').update(version).digest().readBigUInt64BE(0) >> 12n));
  }
}
