// Envoy's per-cluster stats (`cluster.<name>.*`) declared as tables and resolved once per cluster,
// plus the response-code counters, cached per code so the hot path does no string work.
import type { Counter, Gauge, Histogram, HistogramUnit, Scope } from '../stats/store.js';
import type { ClusterStats } from './types.js';

/** Counters Envoy creates for every cluster (traffic, lb, endpoint and config-update groups). */
const COUNTERS = [
  'assignment_stale', 'assignment_timeout_received', 'assignment_use_cached', 'bind_errors',
  'lb_healthy_panic', 'lb_local_cluster_not_ok', 'lb_recalculate_zone_structures', 'lb_subsets_created',
  'lb_subsets_fallback', 'lb_subsets_fallback_panic', 'lb_subsets_removed', 'lb_subsets_selected',
  'lb_zone_cluster_too_small', 'lb_zone_no_capacity_left', 'lb_zone_routing_all_directly',
  'lb_zone_routing_cross_zone', 'lb_zone_routing_sampled', 'membership_change', 'original_dst_host_invalid',
  'retry_or_shadow_abandoned', 'update_attempt', 'update_empty', 'update_failure', 'update_no_rebuild',
  'update_success', 'upstream_cx_close_notify', 'upstream_cx_connect_attempts_exceeded',
  'upstream_cx_connect_fail', 'upstream_cx_connect_timeout', 'upstream_cx_connect_with_0_rtt',
  'upstream_cx_destroy', 'upstream_cx_destroy_local', 'upstream_cx_destroy_local_with_active_rq',
  'upstream_cx_destroy_remote', 'upstream_cx_destroy_remote_with_active_rq', 'upstream_cx_destroy_with_active_rq',
  'upstream_cx_http1_total', 'upstream_cx_http2_total', 'upstream_cx_http3_total', 'upstream_cx_idle_timeout',
  'upstream_cx_max_duration_reached', 'upstream_cx_max_requests', 'upstream_cx_none_healthy',
  'upstream_cx_overflow', 'upstream_cx_pool_overflow', 'upstream_cx_protocol_error', 'upstream_cx_rx_bytes_total',
  'upstream_cx_total', 'upstream_cx_tx_bytes_total', 'upstream_flow_control_backed_up_total',
  'upstream_flow_control_drained_total', 'upstream_flow_control_paused_reading_total',
  'upstream_flow_control_resumed_reading_total', 'upstream_http3_broken', 'upstream_internal_redirect_failed_total',
  'upstream_internal_redirect_succeeded_total', 'upstream_rq_0rtt', 'upstream_rq_cancelled',
  'upstream_rq_completed', 'upstream_rq_maintenance_mode', 'upstream_rq_max_duration_reached',
  'upstream_rq_pending_failure_eject', 'upstream_rq_pending_overflow', 'upstream_rq_pending_total',
  'upstream_rq_per_try_idle_timeout', 'upstream_rq_per_try_timeout', 'upstream_rq_retry',
  'upstream_rq_retry_backoff_exponential', 'upstream_rq_retry_backoff_ratelimited',
  'upstream_rq_retry_limit_exceeded', 'upstream_rq_retry_overflow', 'upstream_rq_retry_success',
  'upstream_rq_rx_reset', 'upstream_rq_timeout', 'upstream_rq_total', 'upstream_rq_tx_reset',
] as const;

/** Gauges summed across workers. */
const GAUGES = [
  'lb_subsets_active', 'upstream_cx_active', 'upstream_cx_rx_bytes_buffered', 'upstream_cx_tx_bytes_buffered',
  'upstream_rq_active', 'upstream_rq_pending_active',
] as const;

/** Gauges kept from the main thread only (Envoy's NeverImport). */
const NEVER_IMPORT_GAUGES = [
  'max_host_weight', 'membership_degraded', 'membership_excluded', 'membership_healthy', 'membership_total',
  'version', 'warming_state',
] as const;

const HISTOGRAMS: readonly (readonly [HistogramName, HistogramUnit])[] = [
  ['upstream_cx_connect_ms', 'milliseconds'],
  ['upstream_cx_length_ms', 'milliseconds'],
  ['upstream_rq_per_cx', 'unspecified'],
  // Envoy's router charges this one through its code stats (created on first use there).
  ['upstream_rq_time', 'milliseconds'],
];

type CounterName = (typeof COUNTERS)[number];
type GaugeName = (typeof GAUGES)[number] | (typeof NEVER_IMPORT_GAUGES)[number];
type HistogramName = 'upstream_cx_connect_ms' | 'upstream_cx_length_ms' | 'upstream_rq_per_cx' | 'upstream_rq_time';

type CounterTable = { readonly [K in CounterName]: Counter };
type GaugeTable = { readonly [K in GaugeName]: Gauge };
type HistogramTable = { readonly [K in HistogramName]: Histogram };

/** Lowest and highest HTTP status with its own `upstream_rq_<code>` counter; others count as `unknown`. */
const MIN_CODE = 100;
const MAX_CODE = 599;

/** The response-code counters under one prefix (`` or `retry.`), created on first use as Envoy does. */
class CodeCounters {
  private readonly byCode: (Counter | undefined)[] = new Array(MAX_CODE + 1);
  private readonly byClass: (Counter | undefined)[] = new Array(6);
  private unknown: Counter | undefined;
  readonly completed: Counter;

  constructor(private readonly scope: Scope, private readonly prefix: string) {
    this.completed = scope.counter(`${prefix}upstream_rq_completed`);
  }

  charge(status: number): void {
    this.completed.inc();
    const cls = Math.floor(status / 100);
    const group = cls >= 1 && cls <= 5
      ? (this.byClass[cls] ??= this.scope.counter(`${this.prefix}upstream_rq_${cls}xx`))
      : this.unknownCounter();
    group.inc();
    const code = status >= MIN_CODE && status <= MAX_CODE && Number.isInteger(status)
      ? (this.byCode[status] ??= this.scope.counter(`${this.prefix}upstream_rq_${status}`))
      : this.unknownCounter();
    code.inc();
  }

  private unknownCounter(): Counter {
    return (this.unknown ??= this.scope.counter(`${this.prefix}upstream_rq_unknown`));
  }
}

/** Every stat of one cluster, as fields (the tables above give the field names). */
export interface ClusterStatsImpl extends CounterTable, GaugeTable, HistogramTable {}

/** Resolves a cluster's stats once, under `cluster.<statName>.`. */
export class ClusterStatsImpl implements ClusterStats {
  private readonly codes: CodeCounters;
  private retryCodes: CodeCounters | null = null;

  constructor(readonly scope: Scope) {
    const self = this as unknown as Record<string, Counter | Gauge | Histogram>;
    for (const n of COUNTERS) self[n] = scope.counter(n);
    for (const n of GAUGES) self[n] = scope.gauge(n, 'accumulate');
    for (const n of NEVER_IMPORT_GAUGES) self[n] = scope.gauge(n, 'never');
    for (const [n, unit] of HISTOGRAMS) self[n] = scope.histogram(n, unit);
    this.codes = new CodeCounters(scope, '');
  }

  chargeResponse(status: number, retried: boolean): void {
    this.codes.charge(status);
    if (retried) (this.retryCodes ??= new CodeCounters(this.scope, 'retry.')).charge(status);
  }
}

/** Envoy's stat-name sanitising for a cluster name: `:` becomes `_`. */
export function sanitizeStatName(name: string): string {
  return name.includes(':') ? name.replace(/:/g, '_') : name;
}
