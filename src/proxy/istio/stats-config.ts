// The stats.PluginConfig JSON (a TypedStruct value) compiled per metric: dimension overrides
// (tag -> expression), tags to remove, dropped metrics, the reporter and TCP reporting period.
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { listenerFail } from '../listener/errors.js';
import { compileExpression, type Expression } from './expressions.js';

export const STATS_PLUGIN_TYPE = 'stats.PluginConfig';

/** The standard metrics, by their config name (without `istio_`). */
export const HTTP_METRICS = ['requests_total', 'request_duration_milliseconds', 'request_bytes', 'response_bytes'] as const;
export const TCP_METRICS = ['tcp_sent_bytes_total', 'tcp_received_bytes_total', 'tcp_connections_opened_total',
  'tcp_connections_closed_total'] as const;
export type MetricName = (typeof HTTP_METRICS)[number] | (typeof TCP_METRICS)[number];

/** How one metric's labels differ from the standard set. */
export interface MetricOverrides {
  readonly drop: boolean;
  /** Tag -> expression; a standard tag is replaced in place, another is appended. */
  readonly dimensions: ReadonlyMap<string, Expression>;
  readonly tagsToRemove: ReadonlySet<string>;
}

export interface StatsPluginConfig {
  readonly metrics: ReadonlyMap<MetricName, MetricOverrides>;
  readonly disableHostHeaderFallback: boolean;
  /** SERVER_GATEWAY (waypoints): reports as `waypoint`, the downstream peer is the source. */
  readonly serverGateway: boolean;
  /** How often a TCP connection's byte counts are reported (default 5 s). */
  readonly tcpReportingMs: number;
}

const NO_OVERRIDES: MetricOverrides = { drop: false, dimensions: new Map(), tagsToRemove: new Set() };

function get(o: JsonObject, key: string): JsonValue | undefined {
  return o[key] ?? o[key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())];
}

function isObj(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function durationMs(v: JsonValue | undefined, at: string, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(v) : null;
  if (!m) listenerFail(at, `invalid duration ${JSON.stringify(v)}`);
  return Number(m[1]) * 1000;
}

function merge(base: MetricOverrides, entry: JsonObject, at: string): MetricOverrides {
  const dims = new Map(base.dimensions);
  const d = get(entry, 'dimensions');
  if (d !== undefined && !isObj(d)) listenerFail(`${at}.dimensions`, 'expected a map');
  for (const [tag, expr] of Object.entries(d ?? {})) {
    if (typeof expr !== 'string') listenerFail(`${at}.dimensions.${tag}`, 'expected a string expression');
    dims.set(tag, compileExpression(expr));
  }
  const remove = new Set(base.tagsToRemove);
  const r = get(entry, 'tags_to_remove');
  if (r !== undefined && !Array.isArray(r)) listenerFail(`${at}.tags_to_remove`, 'expected a list');
  for (const t of r ?? []) if (typeof t === 'string') remove.add(t);
  return { drop: base.drop || get(entry, 'drop') === true, dimensions: dims, tagsToRemove: remove };
}

/** Reads the config; an entry with no name applies to every metric, as Istio's. */
export function parseStatsConfig(json: JsonObject, fieldPath: string): StatsPluginConfig {
  const metrics = new Map<MetricName, MetricOverrides>();
  const all: readonly MetricName[] = [...HTTP_METRICS, ...TCP_METRICS];
  for (const m of all) metrics.set(m, NO_OVERRIDES);
  const list = get(json, 'metrics');
  if (list !== undefined && !Array.isArray(list)) listenerFail(`${fieldPath}.metrics`, 'expected a list');
  (list ?? []).forEach((entry, i) => {
    const at = `${fieldPath}.metrics[${i}]`;
    if (!isObj(entry)) listenerFail(at, 'expected an object');
    const name = get(entry, 'name') ?? '';
    if (typeof name !== 'string') listenerFail(`${at}.name`, 'expected a string');
    const targets = name === '' ? all : all.filter((m) => m === name);
    // Custom metrics (names outside the standard set) are not built; their entries have no effect.
    for (const t of targets) metrics.set(t, merge(metrics.get(t)!, entry, at));
  });
  const reporter = get(json, 'reporter') ?? 'UNSPECIFIED';
  if (reporter !== 'UNSPECIFIED' && reporter !== 'SERVER_GATEWAY') {
    listenerFail(`${fieldPath}.reporter`, `unknown value ${JSON.stringify(reporter)} for enum stats.Reporter`);
  }
  return {
    metrics,
    disableHostHeaderFallback: get(json, 'disable_host_header_fallback') === true,
    serverGateway: reporter === 'SERVER_GATEWAY',
    tcpReportingMs: durationMs(get(json, 'tcp_reporting_duration'), `${fieldPath}.tcp_reporting_duration`, 5000),
  };
}
