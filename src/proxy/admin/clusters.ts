// `/clusters`: Envoy's `name::key::value` text lines and the envoy.admin.v3.Clusters JSON
// (proto3 mapping: defaults omitted, uint64 as strings, fields in field-number order).
import { fmtDouble, formatG } from '../stats/number-format.js';
import { HealthFlag, type Cluster, type Host, type HostStats, type ResourceManager } from '../upstream/types.js';
import { protoJson } from './proto-json.js';
import type { AdminOutlierView } from './types.js';

/** Envoy's EDS_STATUS_DRAINING flag (newer Envoy); not in HealthFlag yet. */
const EDS_STATUS_DRAINING = 512;

/** Health flag tokens in the order `/clusters` prints them. */
const FLAG_TOKENS: readonly [number, string][] = [
  [HealthFlag.FailedActiveHc, '/failed_active_hc'],
  [HealthFlag.FailedOutlierCheck, '/failed_outlier_check'],
  [HealthFlag.FailedEdsHealth, '/failed_eds_health'],
  [HealthFlag.DegradedActiveHc, '/degraded_active_hc'],
  [HealthFlag.DegradedEdsHealth, '/degraded_eds_health'],
  [HealthFlag.PendingDynamicRemoval, '/pending_dynamic_removal'],
  [HealthFlag.PendingActiveHc, '/pending_active_hc'],
  [HealthFlag.ExcludedViaImmediateHcFail, '/excluded_via_immediate_hc_fail'],
  [HealthFlag.ActiveHcTimeout, '/active_hc_timeout'],
  [EDS_STATUS_DRAINING, '/eds_status_draining'],
];

/** Envoy's HostUtility::healthFlagsToString. */
export function healthFlagsToString(flags: number): string {
  let s = '';
  for (const [bit, token] of FLAG_TOKENS) if (flags & bit) s += token;
  return s === '' ? 'healthy' : s;
}

/** Host counters then gauges, in Envoy's ALL_HOST_STATS order. */
const HOST_COUNTERS: readonly (keyof HostStats)[] = ['cx_connect_fail', 'cx_total', 'rq_error', 'rq_success', 'rq_timeout', 'rq_total'];
const HOST_GAUGES: readonly (keyof HostStats)[] = ['cx_active', 'rq_active'];
const HOST_STATS_SORTED: readonly (keyof HostStats)[] = [...HOST_COUNTERS, ...HOST_GAUGES].sort();

type OutlierOf = (c: Cluster) => AdminOutlierView | null;

function observabilityName(c: Cluster): string {
  return c.info.config?.altStatName || c.info.name;
}

function edsServiceName(c: Cluster): string {
  return (c.info as { edsServiceName?: string }).edsServiceName ?? c.info.config?.edsClusterConfig?.serviceName ?? '';
}

function canary(h: Host): boolean {
  return (h as Host & { canary?: boolean }).canary === true;
}

function breakerLines(name: string, prio: string, rm: ResourceManager): string {
  return `${name}::${prio}_priority::max_connections::${rm.connections.max}\n` +
    `${name}::${prio}_priority::max_pending_requests::${rm.pendingRequests.max}\n` +
    `${name}::${prio}_priority::max_requests::${rm.requests.max}\n` +
    `${name}::${prio}_priority::max_retries::${rm.retries.max}\n`;
}

/** Renders `/clusters` as text. */
export function renderClustersText(clusters: Iterable<Cluster>, outlierOf: OutlierOf): string {
  const out: string[] = [];
  for (const c of clusters) {
    const name = c.info.name;
    out.push(`${name}::observability_name::${observabilityName(c)}\n`);
    const od = outlierOf(c);
    if (od !== null) {
      out.push(`${name}::outlier::success_rate_average::${formatG(od.successRateAverage)}\n`);
      out.push(`${name}::outlier::success_rate_ejection_threshold::${formatG(od.successRateEjectionThreshold)}\n`);
      out.push(`${name}::outlier::local_origin_success_rate_average::${formatG(od.localOriginSuccessRateAverage)}\n`);
      out.push(`${name}::outlier::local_origin_success_rate_ejection_threshold::` +
        `${formatG(od.localOriginSuccessRateEjectionThreshold)}\n`);
    }
    out.push(breakerLines(name, 'default', c.info.resourceManagers[0]));
    out.push(breakerLines(name, 'high', c.info.resourceManagers[1]));
    out.push(`${name}::added_via_api::${c.info.addedViaApi}\n`);
    const eds = edsServiceName(c);
    if (eds !== '') out.push(`${name}::eds_service_name::${eds}\n`);
    for (const hosts of c.hostsByPriority) {
      for (const h of hosts) {
        const p = `${name}::${h.key}::`;
        for (const s of HOST_STATS_SORTED) out.push(`${p}${s}::${h.stats[s]}\n`);
        out.push(`${p}hostname::${h.hostname}\n`);
        out.push(`${p}health_flags::${healthFlagsToString(h.healthFlags)}\n`);
        out.push(`${p}weight::${h.weight}\n`);
        out.push(`${p}region::${h.locality.region}\n`);
        out.push(`${p}zone::${h.locality.zone}\n`);
        out.push(`${p}sub_zone::${h.locality.subZone}\n`);
        out.push(`${p}canary::${canary(h)}\n`);
        out.push(`${p}priority::${h.priority}\n`);
        out.push(`${p}success_rate::${fmtDouble(od?.hostSuccessRate(h) ?? -1)}\n`);
        out.push(`${p}local_origin_success_rate::${fmtDouble(od?.hostLocalOriginSuccessRate(h) ?? -1)}\n`);
      }
    }
  }
  return out.join('');
}

function thresholds(rm: ResourceManager, high: boolean): Record<string, unknown> {
  const t: Record<string, unknown> = {};
  if (high) t.priority = 'HIGH';
  t.max_connections = rm.connections.max;
  t.max_pending_requests = rm.pendingRequests.max;
  t.max_requests = rm.requests.max;
  t.max_retries = rm.retries.max;
  return t;
}

function healthStatus(flags: number): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  if (flags & HealthFlag.FailedActiveHc) s.failed_active_health_check = true;
  if (flags & HealthFlag.FailedOutlierCheck) s.failed_outlier_check = true;
  s.eds_health_status = flags & HealthFlag.FailedEdsHealth ? 'UNHEALTHY'
    : flags & HealthFlag.DegradedEdsHealth ? 'DEGRADED' : flags & EDS_STATUS_DRAINING ? 'DRAINING' : 'HEALTHY';
  if (flags & HealthFlag.DegradedActiveHc) s.failed_active_degraded_check = true;
  if (flags & HealthFlag.PendingDynamicRemoval) s.pending_dynamic_removal = true;
  if (flags & HealthFlag.PendingActiveHc) s.pending_active_hc = true;
  if (flags & HealthFlag.ExcludedViaImmediateHcFail) s.excluded_via_immediate_hc_fail = true;
  if (flags & HealthFlag.ActiveHcTimeout) s.active_hc_timeout = true;
  return s;
}

function simpleMetric(name: string, value: number, gauge: boolean): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (gauge) m.type = 'GAUGE';
  if (value !== 0) m.value = String(value);
  m.name = name;
  return m;
}

function locality(h: Host): Record<string, string> {
  const l: Record<string, string> = {};
  if (h.locality.region) l.region = h.locality.region;
  if (h.locality.zone) l.zone = h.locality.zone;
  if (h.locality.subZone) l.sub_zone = h.locality.subZone;
  return l;
}

function hostStatus(h: Host, od: AdminOutlierView | null): Record<string, unknown> {
  const s: Record<string, unknown> = { address: { socket_address: { address: h.address, port_value: h.port } } };
  s.stats = [...HOST_COUNTERS.map((n) => simpleMetric(n, h.stats[n], false)),
    ...HOST_GAUGES.map((n) => simpleMetric(n, h.stats[n], true))];
  s.health_status = healthStatus(h.healthFlags);
  const sr = od?.hostSuccessRate(h) ?? -1;
  if (sr >= 0) s.success_rate = { value: sr };
  if (h.weight !== 0) s.weight = h.weight;
  if (h.hostname !== '') s.hostname = h.hostname;
  if (h.priority !== 0) s.priority = h.priority;
  const lsr = od?.hostLocalOriginSuccessRate(h) ?? -1;
  if (lsr >= 0) s.local_origin_success_rate = { value: lsr };
  s.locality = locality(h);
  return s;
}

/** Renders `/clusters?format=json` (envoy.admin.v3.Clusters, pretty). */
export function renderClustersJson(clusters: Iterable<Cluster>, outlierOf: OutlierOf): string {
  const statuses: Record<string, unknown>[] = [];
  for (const c of clusters) {
    const od = outlierOf(c);
    const s: Record<string, unknown> = { name: c.info.name };
    if (c.info.addedViaApi) s.added_via_api = true;
    if (od !== null && od.successRateEjectionThreshold > 0) {
      s.success_rate_ejection_threshold = { value: od.successRateEjectionThreshold };
    }
    const hosts = c.hostsByPriority.flatMap((hs) => hs.map((h) => hostStatus(h, od)));
    if (hosts.length > 0) s.host_statuses = hosts;
    if (od !== null && od.localOriginSuccessRateEjectionThreshold > 0) {
      s.local_origin_success_rate_ejection_threshold = { value: od.localOriginSuccessRateEjectionThreshold };
    }
    s.circuit_breakers = { thresholds: [thresholds(c.info.resourceManagers[0], false), thresholds(c.info.resourceManagers[1], true)] };
    s.observability_name = observabilityName(c);
    const eds = edsServiceName(c);
    if (eds !== '') s.eds_service_name = eds;
    statuses.push(s);
  }
  return protoJson(statuses.length > 0 ? { cluster_statuses: statuses } : {});
}
