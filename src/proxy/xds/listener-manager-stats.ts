// Envoy's listener_manager.* counters and gauges for dynamic listeners: added, modified, removed,
// created or failed, and how many are active, warming and draining.
import type { Counter, Gauge, StatsStore } from '../stats/store.js';

/** The listener manager's stats. */
export class ListenerManagerStats {
  readonly added: Counter;
  readonly modified: Counter;
  readonly removed: Counter;
  readonly createSuccess: Counter;
  readonly createFailure: Counter;
  readonly active: Gauge;
  readonly warming: Gauge;
  readonly draining: Gauge;

  constructor(store: StatsStore) {
    const s = store.scope('listener_manager');
    this.added = s.counter('listener_added');
    this.modified = s.counter('listener_modified');
    this.removed = s.counter('listener_removed');
    this.createSuccess = s.counter('listener_create_success');
    this.createFailure = s.counter('listener_create_failure');
    this.active = s.gauge('total_listeners_active', 'never');
    this.warming = s.gauge('total_listeners_warming', 'never');
    this.draining = s.gauge('total_listeners_draining', 'never');
  }
}
