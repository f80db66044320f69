// Envoy's per-listener stats (`listener.<addr>.*`, ALL_LISTENER_STATS) declared as a table, plus
// the per-worker connection counters and the listener's `ssl.*` stats.
import type { Counter, Gauge, Histogram, Scope } from '../stats/store.js';
import { SslStats } from '../tls/tls-stats.js';

const COUNTERS = [
  'downstream_cx_destroy', 'downstream_cx_overflow', 'downstream_cx_overload_reject', 'downstream_cx_total',
  'downstream_cx_transport_socket_connect_timeout', 'downstream_global_cx_overflow',
  'downstream_listener_filter_error', 'downstream_listener_filter_remote_close', 'downstream_pre_cx_timeout',
  'extension_config_missing', 'network_extension_config_missing', 'no_filter_chain_match',
] as const;

const GAUGES = ['downstream_cx_active', 'downstream_pre_cx_active'] as const;

/** The stats of one listener, resolved when it binds (the name holds the bound port). */
export type ListenerStats = Record<(typeof COUNTERS)[number], Counter> & Record<(typeof GAUGES)[number], Gauge> & {
  downstream_cx_length_ms: Histogram;
  /** `worker_<N>.downstream_cx_total` / `_active`. */
  worker_cx_total: Counter;
  worker_cx_active: Gauge;
  /** Only for listeners with a TLS filter chain (Envoy creates them per TLS context). */
  ssl: SslStats | null;
};

/** Creates the stats under `scope` (`listener.<addr>`); `worker` is this process's worker index. */
export function createListenerStats(scope: Scope, worker: string, withTls: boolean): ListenerStats {
  const s = {} as Record<string, unknown>;
  for (const n of COUNTERS) s[n] = scope.counter(n);
  for (const n of GAUGES) s[n] = scope.gauge(n, 'accumulate');
  s['downstream_cx_length_ms'] = scope.histogram('downstream_cx_length_ms');
  const w = scope.scope(`worker_${worker}`);
  s['worker_cx_total'] = w.counter('downstream_cx_total');
  s['worker_cx_active'] = w.gauge('downstream_cx_active');
  s['ssl'] = withTls ? new SslStats(scope.scope('ssl')) : null;
  return s as ListenerStats;
}
