// The mesh graph as Kiali draws it, derived from the proxies' istio_requests_total and duration buckets
// (reporter="source"; mTLS from reporter="destination"): workload -> service -> workload edges with request rate,
// error rate, p99, mTLS and health (nodes' from their edges', as Kiali's).
import { quantilesBy, ratesBy } from './queries.js';
import type { Labels, Tsdb } from './tsdb.js';

export type Health = 'healthy' | 'degraded' | 'failure' | 'idle';

export interface GraphNode { id: string; kind: 'workload' | 'service'; name: string; namespace: string; health: Health }
export interface GraphEdge {
  id: string; source: string; target: string;
  /** Requests per second, and the share of them that failed (5xx, or gRPC status 1-16). */
  rps: number; errorRate: number; clientErrorRate: number;
  /** TCP bytes per second the source sent (istio_tcp_sent_bytes_total). */
  tcpBps: number;
  /** p99 latency in ms (NaN without requests). */
  p99: number;
  /** Whether the requests went over Istio's mutual TLS (connection_security_policy="mutual_tls"); null while no server side has reported them. */
  mtls: boolean | null;
  health: Health;
}
export interface Graph { fromMs: number; toMs: number; nodes: GraphNode[]; edges: GraphEdge[] }

const wl = (name: string, ns: string): string => `workload:${ns}/${name}`;
const svc = (name: string, ns: string): string => `service:${ns}/${name}`;
const kindOf = (id: string): string => id.slice(0, id.indexOf(':'));

/** Kiali's default tolerances: 5xx >= 0.1% degraded, > 10% failure; 4xx >= 10% degraded, > 20% failure. */
export function healthOf(rps: number, errorRate: number, clientErrorRate: number): Health {
  if (rps === 0) return 'idle';
  if (errorRate > 0.1 || clientErrorRate > 0.2) return 'failure';
  if (errorRate >= 0.001 || clientErrorRate >= 0.1) return 'degraded';
  return 'healthy';
}

const RANK: Record<Health, number> = { idle: 0, healthy: 1, degraded: 2, failure: 3 };
const worse = (a: Health, b: Health): Health => (RANK[a] >= RANK[b] ? a : b);

const failed = (l: Labels): boolean => (l['request_protocol'] === 'grpc'
  ? /^([1-9]|1[0-6])$/.test(l['grpc_response_status'] ?? '') : (l['response_code'] ?? '').startsWith('5'));
const clientFailed = (l: Labels): boolean => l['request_protocol'] !== 'grpc' && (l['response_code'] ?? '').startsWith('4');

const hopOf = (l: Labels): string[] => [l['source_workload'] ?? 'unknown', l['source_workload_namespace'] ?? 'unknown',
  l['destination_service_name'] ?? 'unknown', l['destination_service_namespace'] ?? 'unknown',
  l['destination_workload'] ?? 'unknown', l['destination_workload_namespace'] ?? 'unknown'];
/** The client's leg (source workload -> destination service) and the service's leg (-> destination workload). */
const clientLeg = (l: Labels): string => { const h = hopOf(l); return `${wl(h[0]!, h[1]!)}>${svc(h[2]!, h[3]!)}`; };
const serviceLeg = (l: Labels): string => { const h = hopOf(l); return `${svc(h[2]!, h[3]!)}>${wl(h[4]!, h[5]!)}`; };

const bySource = (l: Labels): boolean => l['reporter'] === 'source';

/** The edges of one leg kind, keyed by `leg`. */
function legEdges(db: Tsdb, leg: (l: Labels) => string, fromMs: number, toMs: number): GraphEdge[] {
  const all = ratesBy(db, 'istio_requests_total', bySource, leg, fromMs, toMs);
  const errors = ratesBy(db, 'istio_requests_total', (l) => bySource(l) && failed(l), leg, fromMs, toMs);
  const clientErrors = ratesBy(db, 'istio_requests_total', (l) => bySource(l) && clientFailed(l), leg, fromMs, toMs);
  // Only the server side knows the connection's security (the client reports connection_security_policy="unknown").
  const byDestination = (l: Labels): boolean => l['reporter'] === 'destination';
  const served = ratesBy(db, 'istio_requests_total', byDestination, leg, fromMs, toMs);
  const mtls = ratesBy(db, 'istio_requests_total', (l) => byDestination(l) && l['connection_security_policy'] === 'mutual_tls', leg, fromMs, toMs);
  const tcp = ratesBy(db, 'istio_tcp_sent_bytes_total', bySource, leg, fromMs, toMs);
  const tcpServed = ratesBy(db, 'istio_tcp_received_bytes_total', byDestination, leg, fromMs, toMs);
  const tcpMtls = ratesBy(db, 'istio_tcp_received_bytes_total', (l) => byDestination(l) && l['connection_security_policy'] === 'mutual_tls', leg, fromMs, toMs);
  const p99 = quantilesBy(db, 'istio_request_duration_milliseconds_bucket', [0.99], bySource, leg, fromMs, toMs);
  const ids = new Set([...db.select('istio_requests_total', bySource), ...db.select('istio_tcp_sent_bytes_total', bySource)].map((s) => leg(s.labels)));
  return [...ids].map((id) => {
    const [source, target] = id.split('>') as [string, string];
    const rps = all.get(id) ?? 0;
    const tcpBps = tcp.get(id) ?? 0;
    const errorRate = rps > 0 ? (errors.get(id) ?? 0) / rps : 0;
    const clientErrorRate = rps > 0 ? (clientErrors.get(id) ?? 0) / rps : 0;
    const [sv, tsv] = [served.get(id) ?? 0, tcpServed.get(id) ?? 0];
    const mtlsShare = sv > 0 ? (mtls.get(id) ?? 0) / sv : tsv > 0 ? (tcpMtls.get(id) ?? 0) / tsv : null;
    return { id, source, target, rps, tcpBps, errorRate, clientErrorRate, p99: p99.get(id)?.[0] ?? NaN, mtls: mtlsShare === null ? null : mtlsShare >= 0.5,
      health: healthOf(rps, errorRate, clientErrorRate) };
  });
}

/** The graph over the requests reported in [fromMs, toMs]. */
export function deriveGraph(db: Tsdb, fromMs: number, toMs: number): Graph {
  const nodes = new Map<string, GraphNode>();
  for (const s of [...db.select('istio_requests_total', bySource), ...db.select('istio_tcp_sent_bytes_total', bySource)]) {
    const [sw, sns, ds, dsns, dw, dwns] = hopOf(s.labels) as [string, string, string, string, string, string];
    for (const [id, kind, name, ns] of [[wl(sw, sns), 'workload', sw, sns], [svc(ds, dsns), 'service', ds, dsns], [wl(dw, dwns), 'workload', dw, dwns]] as const) {
      if (!nodes.has(id)) nodes.set(id, { id, kind, name, namespace: ns, health: 'idle' });
    }
  }
  const edges = [...legEdges(db, clientLeg, fromMs, toMs), ...legEdges(db, serviceLeg, fromMs, toMs)];
  // Kiali's health: a service's from its inbound requests, a workload's from its inbound and its outbound ones (a
  // gateway, which reports no inbound requests, from the requests it sends on).
  for (const e of edges) {
    for (const id of kindOf(e.source) === 'workload' ? [e.target, e.source] : [e.target]) {
      const n = nodes.get(id);
      if (n) n.health = worse(n.health, e.health);
    }
  }
  return { fromMs, toMs, nodes: [...nodes.values()], edges };
}
