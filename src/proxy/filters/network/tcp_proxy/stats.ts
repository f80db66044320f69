// Envoy's TCP proxy stats (`tcp.<stat_prefix>.*`, ALL_TCP_PROXY_STATS), declared as a table and
// resolved once per filter config.
import type { Counter, Gauge, Scope } from '../../../stats/store.js';

const COUNTERS = [
  'downstream_cx_no_route', 'downstream_cx_rx_bytes_total', 'downstream_cx_total', 'downstream_cx_tx_bytes_total',
  'downstream_flow_control_paused_reading_total', 'downstream_flow_control_resumed_reading_total', 'idle_timeout',
  'max_downstream_connection_duration', 'upstream_flush_total',
] as const;

const GAUGES = ['downstream_cx_rx_bytes_buffered', 'downstream_cx_tx_bytes_buffered', 'upstream_flush_active'] as const;

/** The stats of one tcp_proxy config. */
export type TcpProxyStats = Record<(typeof COUNTERS)[number], Counter> & Record<(typeof GAUGES)[number], Gauge>;

/** Creates the stats under `scope` (already `tcp.<stat_prefix>`). */
export function createTcpProxyStats(scope: Scope): TcpProxyStats {
  const s = {} as Record<string, Counter | Gauge>;
  for (const n of COUNTERS) s[n] = scope.counter(n);
  for (const n of GAUGES) s[n] = scope.gauge(n, 'accumulate');
  return s as TcpProxyStats;
}
