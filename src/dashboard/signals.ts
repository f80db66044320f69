// The golden signals of Istio's Grafana service and workload dashboards, from the store: request rate,
// success rate, p50/p90/p99 latency and TCP bytes per step over the last minutes, for one service or workload.
import { quantilesBy, ratesBy } from './queries.js';
import type { Labels, Tsdb } from './tsdb.js';

export interface SignalsQuery {
  kind: 'service' | 'workload';
  name: string;
  namespace: string;
  /** inbound: requests to it (reporter="destination"); outbound: requests it made (reporter="source"). */
  direction: 'inbound' | 'outbound';
  minutes: number;
}

export interface Signals {
  /** Step end times, seconds since the epoch (uPlot's x axis). */
  times: number[];
  rps: number[];
  /** Share of requests not 5xx, null where there were none. */
  successRate: Array<number | null>;
  p50: Array<number | null>; p90: Array<number | null>; p99: Array<number | null>;
  tcpSentBps: number[]; tcpReceivedBps: number[];
}

/** 60 steps over the period; each step's rate is over max(2 steps, 20 s), several scrapes wide. */
export function signals(db: Tsdb, q: SignalsQuery, nowMs: number): Signals {
  const stepMs = (q.minutes * 60_000) / 60;
  const windowMs = Math.max(2 * stepMs, 20_000);
  const who = q.direction === 'inbound' ? 'destination' : 'source';
  const match = (l: Labels): boolean => l['reporter'] === (q.direction === 'inbound' ? 'destination' : 'source') && (q.kind === 'service'
    ? l[`destination_service_name`] === q.name && l['destination_service_namespace'] === q.namespace
    : l[`${who}_workload`] === q.name && l[`${who}_workload_namespace`] === q.namespace);
  const one = (): string => '';
  const out: Signals = { times: [], rps: [], successRate: [], p50: [], p90: [], p99: [], tcpSentBps: [], tcpReceivedBps: [] };
  const nul = (v: number | undefined): number | null => (v === undefined || Number.isNaN(v) ? null : v);
  for (let t = nowMs - q.minutes * 60_000 + stepMs; t <= nowMs + 1; t += stepMs) {
    const from = t - windowMs;
    const rps = ratesBy(db, 'istio_requests_total', match, one, from, t).get('') ?? 0;
    const bad = ratesBy(db, 'istio_requests_total', (l) => match(l) && (l['response_code'] ?? '').startsWith('5'), one, from, t).get('') ?? 0;
    const qs = quantilesBy(db, 'istio_request_duration_milliseconds_bucket', [0.5, 0.9, 0.99], match, one, from, t).get('');
    out.times.push(Math.round(t / 1000));
    out.rps.push(rps);
    out.successRate.push(rps > 0 ? 1 - bad / rps : null);
    out.p50.push(nul(qs?.[0]));
    out.p90.push(nul(qs?.[1]));
    out.p99.push(nul(qs?.[2]));
    out.tcpSentBps.push(ratesBy(db, 'istio_tcp_sent_bytes_total', match, one, from, t).get('') ?? 0);
    out.tcpReceivedBps.push(ratesBy(db, 'istio_tcp_received_bytes_total', match, one, from, t).get('') ?? 0);
  }
  return out;
}

/** The services and workloads the store has requests or connections of (what the signals view lists). */
export function entities(db: Tsdb): { services: string[]; workloads: string[] } {
  const services = new Set<string>();
  const workloads = new Set<string>();
  for (const s of [...db.select('istio_requests_total'), ...db.select('istio_tcp_sent_bytes_total')]) {
    const l = s.labels;
    if (l['destination_service_name']) services.add(`${l['destination_service_name']}.${l['destination_service_namespace']}`);
    for (const w of ['source', 'destination']) if (l[`${w}_workload`] && l[`${w}_workload`] !== 'unknown') workloads.add(`${l[`${w}_workload`]}.${l[`${w}_workload_namespace`]}`);
  }
  return { services: [...services].sort(), workloads: [...workloads].sort() };
}
