// A cluster's `health_checks` (envoy.config.core.v3.HealthCheck) read once into settings with
// Envoy's defaults, or config errors with field paths relative to the cluster.
import type { Cluster as ClusterConfig } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { HealthCheck, HealthCheck_Payload } from '../../../xds/gen/envoy/config/core/v3/health_check_pb.js';
import type { HeaderValueOption } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { PathError, PathSeg } from '../../bootstrap/config-error.js';
import type { HttpProtocol } from '../../http/headers.js';
import { compileHeaderMutation, type HeaderMutation } from '../../router/header-mutation.js';
import { RouteConfigError } from '../../router/errors.js';
import { StringMatch } from '../../router/string-match.js';
import { durationMs } from '../../util/duration.js';

/** http_health_check, compiled. */
export interface HttpCheckSettings {
  readonly kind: 'http';
  readonly path: string;
  /** The Host/:authority to send; '' means the cluster's name. */
  readonly host: string;
  readonly method: string;
  readonly headers: HeaderMutation | null;
  /** Half-open [start, end) status ranges counted as healthy (default: only 200). */
  readonly expected: readonly (readonly [number, number])[];
  /** Statuses that fail only after unhealthy_threshold checks. */
  readonly retriable: readonly (readonly [number, number])[];
  readonly protocol: HttpProtocol;
  /** Request body (send), or null. */
  readonly send: Buffer | null;
  /** Segments the response body must contain, in order (receive). */
  readonly receive: readonly Buffer[];
  /** How much of the body is kept for `receive` (response_buffer_size, default 1024; 0 = all). */
  readonly responseBufferSize: number;
  /** service_name_matcher against x-envoy-upstream-healthchecked-cluster. */
  readonly serviceName: StringMatch | null;
}

/** tcp_health_check, compiled. */
export interface TcpCheckSettings {
  readonly kind: 'tcp';
  readonly send: Buffer | null;
  /** Empty: a successful connect is the check. */
  readonly receive: readonly Buffer[];
}

/** grpc_health_check, compiled (grpc.health.v1.Health/Check over HTTP/2). */
export interface GrpcCheckSettings {
  readonly kind: 'grpc';
  readonly serviceName: string;
  /** '' means the cluster's name. */
  readonly authority: string;
  readonly headers: HeaderMutation | null;
}

/** One cluster's active health checking settings (times in ms). */
export interface HealthCheckSettings {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly initialJitterMs: number;
  readonly intervalJitterMs: number;
  readonly intervalJitterPercent: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
  /** Port to check instead of the host's (alt_port); 0 = the host's own. */
  readonly altPort: number;
  readonly reuseConnection: boolean;
  readonly noTrafficIntervalMs: number;
  readonly noTrafficHealthyIntervalMs: number;
  readonly unhealthyIntervalMs: number;
  readonly unhealthyEdgeIntervalMs: number;
  readonly healthyEdgeIntervalMs: number;
  readonly checker: HttpCheckSettings | TcpCheckSettings | GrpcCheckSettings;
}

/** Envoy's default no_traffic_interval. */
const DEFAULT_NO_TRAFFIC_INTERVAL_MS = 60_000;
/** Envoy's default http_health_check.response_buffer_size. */
const DEFAULT_RESPONSE_BUFFER_SIZE = 1024;
const METHODS = ['GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'TRACE']);

/** Envoy's Hex::decode: an even number of hex digits, else nothing. */
function decodeHex(text: string): Buffer | null {
  if (text.length === 0 || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  return Buffer.from(text, 'hex');
}

function payloadBytes(p: HealthCheck_Payload, path: PathSeg[], errors: PathError[]): Buffer | null {
  const v = p.payload;
  if (v.case === 'binary') return Buffer.from(v.value);
  if (v.case === 'text') {
    const b = decodeHex(v.value);
    if (b === null) errors.push({ path: [...path, 'text'], message: `invalid hex string '${v.value}'` });
    return b;
  }
  errors.push({ path, message: 'one of text or binary is required' });
  return null;
}

function payloads(list: readonly HealthCheck_Payload[], path: PathSeg[], errors: PathError[]): Buffer[] {
  const out: Buffer[] = [];
  list.forEach((p, i) => {
    const b = payloadBytes(p, [...path, i], errors);
    if (b !== null) out.push(b);
  });
  return out;
}

/** `[0].header.key` (a router error path) as path segments. */
function relativeSegments(rel: string): PathSeg[] {
  const segs: PathSeg[] = [];
  for (const m of rel.matchAll(/\[(\d+)\]|\.?([A-Za-z_][A-Za-z0-9_]*)/g)) segs.push(m[1] !== undefined ? Number(m[1]) : m[2]);
  return segs;
}

function headerMutation(adds: readonly HeaderValueOption[], removes: readonly string[], path: PathSeg[],
  errors: PathError[]): HeaderMutation | null {
  try {
    return compileHeaderMutation(adds, removes, '#add', '#remove');
  } catch (e) {
    if (!(e instanceof RouteConfigError)) throw e;
    const field = e.path.startsWith('#remove') ? 'request_headers_to_remove' : 'request_headers_to_add';
    errors.push({ path: [...path, field, ...relativeSegments(e.path.replace(/^#(add|remove)/, ''))], message: e.detail });
    return null;
  }
}

function statusRanges(list: readonly { start: bigint; end: bigint }[], kind: string, path: PathSeg[],
  errors: PathError[]): [number, number][] {
  const out: [number, number][] = [];
  list.forEach((r, i) => {
    const start = Number(r.start);
    const end = Number(r.end);
    const p = [...path, i];
    if (start >= end) {
      errors.push({ path: p, message: `Invalid http ${kind} status range: expecting start < end, but found `
        + `start=${start} and end=${end}` });
    } else if (start < 100) {
      errors.push({ path: p, message: `Invalid http ${kind} status range: expecting start >= 100, but found start=${start}` });
    } else if (end > 600) {
      errors.push({ path: p, message: `Invalid http ${kind} status range: expecting end <= 600, but found end=${end}` });
    } else {
      out.push([start, end]);
    }
  });
  return out;
}

function httpSettings(hc: HealthCheck, path: PathSeg[], errors: PathError[]): HttpCheckSettings | null {
  const c = hc.healthChecker.case === 'httpHealthCheck' ? hc.healthChecker.value : null;
  if (c === null) return null;
  const p = [...path, 'http_health_check'];
  if (c.path === '') errors.push({ path: [...p, 'path'], message: 'value length must be at least 1 characters' });
  const method = METHODS[c.method] ?? 'GET';
  if (method === 'CONNECT') errors.push({ path: [...p, 'method'], message: 'value must not be in list [CONNECT]' });
  let send: Buffer | null = null;
  if (c.send !== undefined) {
    if (BODYLESS_METHODS.has(method)) {
      errors.push({ path: [...p, 'send'], message: `HTTP health check cannot specify a request payload with method `
        + `'${method}'. Only methods that support a request body (POST, PUT, PATCH, OPTIONS) can be used with payload.` });
    }
    send = payloadBytes(c.send, [...p, 'send'], errors);
  }
  const receive = payloads(c.receive, [...p, 'receive'], errors);
  const responseBufferSize = c.responseBufferSize !== undefined ? Number(c.responseBufferSize) : DEFAULT_RESPONSE_BUFFER_SIZE;
  const total = receive.reduce((n, b) => n + b.length, 0);
  if (responseBufferSize !== 0 && total > responseBufferSize) {
    errors.push({ path: [...p, 'receive'], message: `The expected response length '${total}' is over than http health `
      + `response buffer size '${responseBufferSize}'` });
  }
  if (c.codecClientType === 2) {
    errors.push({ path: [...p, 'codec_client_type'], message: 'HTTP3 health checks are not supported' });
  }
  let serviceName: StringMatch | null = null;
  if (c.serviceNameMatcher !== undefined) {
    try {
      serviceName = StringMatch.compile(c.serviceNameMatcher, '');
    } catch (e) {
      if (!(e instanceof RouteConfigError)) throw e;
      errors.push({ path: [...p, 'service_name_matcher', ...relativeSegments(e.path)], message: e.detail });
    }
  }
  const expected = statusRanges(c.expectedStatuses, 'expected', [...p, 'expected_statuses'], errors);
  return {
    kind: 'http', path: c.path, host: c.host, method,
    headers: headerMutation(c.requestHeadersToAdd, c.requestHeadersToRemove, p, errors),
    expected: expected.length > 0 ? expected : [[200, 201]],
    retriable: statusRanges(c.retriableStatuses, 'retriable', [...p, 'retriable_statuses'], errors),
    protocol: c.codecClientType === 1 ? 'HTTP/2' : 'HTTP/1.1',
    send, receive, responseBufferSize, serviceName,
  };
}

/** The cluster's health check settings; null when it has none or they are invalid (errors say why). */
export function parseHealthChecks(config: ClusterConfig, protocol: HttpProtocol, errors: PathError[]):
  HealthCheckSettings | null {
  const list = config.healthChecks;
  if (list.length === 0) return null;
  if (list.length > 1) {
    errors.push({ path: ['health_checks'], message: 'Multiple health checks not supported' });
    return null;
  }
  const hc = list[0];
  const path: PathSeg[] = ['health_checks', 0];
  const before = errors.length;
  if (hc.timeout === undefined) errors.push({ path: [...path, 'timeout'], message: 'value is required' });
  if (hc.interval === undefined) errors.push({ path: [...path, 'interval'], message: 'value is required' });
  if (hc.unhealthyThreshold === undefined) {
    errors.push({ path: [...path, 'unhealthy_threshold'], message: 'value is required' });
  }
  if (hc.healthyThreshold === undefined) errors.push({ path: [...path, 'healthy_threshold'], message: 'value is required' });
  const timeoutMs = durationMs(hc.timeout, 0);
  if (hc.timeout !== undefined && timeoutMs <= 0) errors.push({ path: [...path, 'timeout'], message: 'value must be greater than 0s' });
  const intervalMs = durationMs(hc.interval, 0);
  if (hc.interval !== undefined && intervalMs <= 0) {
    errors.push({ path: [...path, 'interval'], message: 'value must be greater than 0s' });
  }
  let checker: HealthCheckSettings['checker'] | null = null;
  const kind = hc.healthChecker;
  switch (kind.case) {
    case 'httpHealthCheck':
      checker = httpSettings(hc, path, errors);
      break;
    case 'tcpHealthCheck': {
      const p = [...path, 'tcp_health_check'];
      const t = kind.value;
      checker = { kind: 'tcp', send: t.send !== undefined ? payloadBytes(t.send, [...p, 'send'], errors) : null,
        receive: payloads(t.receive, [...p, 'receive'], errors) };
      if (t.proxyProtocolConfig !== undefined) {
        errors.push({ path: [...p, 'proxy_protocol_config'], message: 'PROXY protocol health checks are not supported' });
      }
      break;
    }
    case 'grpcHealthCheck': {
      if (protocol !== 'HTTP/2') {
        errors.push({ path: [...path, 'grpc_health_check'],
          message: `${config.name} cluster must support HTTP/2 for gRPC healthchecking` });
      }
      const g = kind.value;
      checker = { kind: 'grpc', serviceName: g.serviceName, authority: g.authority,
        headers: headerMutation(g.initialMetadata, [], [...path, 'grpc_health_check'], errors) };
      break;
    }
    case 'customHealthCheck':
      errors.push({ path: [...path, 'custom_health_check', 'name'],
        message: `custom health checker '${kind.value.name}' is not supported` });
      break;
    default:
      errors.push({ path: [...path, 'health_checker'], message: 'one of http_health_check, tcp_health_check, '
        + 'grpc_health_check or custom_health_check is required' });
  }
  if (errors.length > before || checker === null) return null;
  const noTraffic = durationMs(hc.noTrafficInterval, DEFAULT_NO_TRAFFIC_INTERVAL_MS);
  const unhealthyInterval = durationMs(hc.unhealthyInterval, intervalMs);
  return {
    timeoutMs, intervalMs,
    initialJitterMs: durationMs(hc.initialJitter, 0),
    intervalJitterMs: durationMs(hc.intervalJitter, 0),
    intervalJitterPercent: hc.intervalJitterPercent,
    unhealthyThreshold: hc.unhealthyThreshold ?? 1,
    healthyThreshold: hc.healthyThreshold ?? 1,
    altPort: hc.altPort ?? 0,
    reuseConnection: hc.reuseConnection ?? true,
    noTrafficIntervalMs: noTraffic,
    noTrafficHealthyIntervalMs: durationMs(hc.noTrafficHealthyInterval, noTraffic),
    unhealthyIntervalMs: unhealthyInterval,
    unhealthyEdgeIntervalMs: durationMs(hc.unhealthyEdgeInterval, unhealthyInterval),
    healthyEdgeIntervalMs: durationMs(hc.healthyEdgeInterval, intervalMs),
    checker,
  };
}
