// The connection manager's stats, `http.<stat_prefix>.*`, resolved once per listener filter chain.
// Names and meanings follow Envoy's ALL_HTTP_CONN_MAN_STATS.
import type { Counter, Gauge, Histogram, Scope } from '../../stats/store.js';

const COUNTERS = [
  'downstream_cx_total', 'downstream_cx_http1_total', 'downstream_cx_http2_total', 'downstream_cx_destroy',
  'downstream_cx_destroy_remote', 'downstream_cx_destroy_local', 'downstream_cx_destroy_active_rq',
  'downstream_cx_protocol_error', 'downstream_cx_rx_bytes_total', 'downstream_cx_tx_bytes_total',
  'downstream_rq_total', 'downstream_rq_http1_total', 'downstream_rq_http2_total', 'downstream_rq_1xx',
  'downstream_rq_2xx', 'downstream_rq_3xx', 'downstream_rq_4xx', 'downstream_rq_5xx', 'downstream_rq_completed',
  'downstream_rq_rx_reset', 'downstream_rq_tx_reset', 'downstream_rq_non_relative_path',
  'downstream_rq_failed_path_normalization', 'downstream_rq_ws_on_non_ws_route',
  'downstream_rq_timeout', 'downstream_rq_idle_timeout', 'downstream_rq_header_timeout', 'downstream_rq_max_duration_reached',
  'downstream_rq_too_many_premature_resets',
  'downstream_cx_idle_timeout', 'downstream_cx_max_duration_reached', 'downstream_cx_upgrades_total', 'no_route', 'no_cluster',
  'rq_direct_response', 'rq_redirect', 'rq_total',
] as const;
const GAUGES = ['downstream_cx_active', 'downstream_cx_http1_active', 'downstream_cx_http2_active',
  'downstream_rq_active', 'downstream_cx_upgrades_active'] as const;

/** Handles for every HCM stat. */
export type HcmStats = Record<(typeof COUNTERS)[number], Counter> & Record<(typeof GAUGES)[number], Gauge> & {
  downstream_rq_time: Histogram;
  downstream_cx_length_ms: Histogram;
  /** downstream_rq_1xx..5xx by status class index 1..5. */
  byClass: Counter[];
};

/** Resolves the HCM stats under `scope` (e.g. `http.ingress_http`). */
export function createHcmStats(scope: Scope): HcmStats {
  const s: Record<string, unknown> = {};
  for (const c of COUNTERS) s[c] = scope.counter(c);
  for (const g of GAUGES) s[g] = scope.gauge(g);
  s.downstream_rq_time = scope.histogram('downstream_rq_time');
  s.downstream_cx_length_ms = scope.histogram('downstream_cx_length_ms');
  const stats = s as HcmStats;
  stats.byClass = [stats.downstream_rq_1xx, stats.downstream_rq_1xx, stats.downstream_rq_2xx, stats.downstream_rq_3xx,
    stats.downstream_rq_4xx, stats.downstream_rq_5xx];
  return stats;
}
