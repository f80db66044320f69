// GET /api/v2/traces parameters as Zipkin's QueryRequest reads and checks them, and its test of a
// trace: in the time window, and one span of serviceName matching each criterion.
import type { ZipkinSpan } from './span.js';

export interface TraceQuery {
  serviceName?: string;
  spanName?: string;
  remoteServiceName?: string;
  /** key -> value ('' matches the key alone: an annotation or any value of a tag). */
  annotationQuery: Map<string, string>;
  /** Microseconds. */
  minDuration?: number;
  maxDuration?: number;
  /** Epoch milliseconds. */
  endTs: number;
  lookback: number;
  limit: number;
}

/** A query Zipkin answers with 400 (the message is its). */
export class QueryError extends Error {}

const DAY_MS = 86_400_000;

function integer(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new QueryError(`${name} should be an integer, was ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Zipkin's annotationQuery: `error and http.method=GET` -> {error: '', http.method: 'GET'}. */
export function parseAnnotationQuery(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const term of text.split(/\s+and\s+/i).map((t) => t.trim()).filter(Boolean)) {
    const eq = term.indexOf('=');
    if (eq < 0) out.set(term, '');
    else if (eq > 0) out.set(term.slice(0, eq), term.slice(eq + 1));
  }
  return out;
}

const lowerOrUndefined = (v: string | null): string | undefined => (v && v !== 'all' ? v.toLowerCase() : undefined);

export function parseTraceQuery(q: URLSearchParams, now = Date.now()): TraceQuery {
  const endTs = integer(q, 'endTs') ?? now;
  const lookback = integer(q, 'lookback') ?? DAY_MS;
  const limit = integer(q, 'limit') ?? 10;
  const minDuration = integer(q, 'minDuration');
  const maxDuration = integer(q, 'maxDuration');
  if (endTs <= 0) throw new QueryError('endTs <= 0');
  if (lookback <= 0) throw new QueryError('lookback <= 0');
  if (limit <= 0) throw new QueryError('limit <= 0');
  if (minDuration !== undefined && minDuration <= 0) throw new QueryError('minDuration <= 0');
  if (maxDuration !== undefined) {
    if (minDuration === undefined) throw new QueryError('minDuration is required when specifying maxDuration');
    if (maxDuration < minDuration) throw new QueryError('maxDuration < minDuration');
  }
  const query: TraceQuery = {
    annotationQuery: parseAnnotationQuery(q.get('annotationQuery') ?? ''), endTs, lookback, limit,
  };
  const serviceName = lowerOrUndefined(q.get('serviceName'));
  const spanName = lowerOrUndefined(q.get('spanName'));
  const remoteServiceName = lowerOrUndefined(q.get('remoteServiceName'));
  if (serviceName) query.serviceName = serviceName;
  if (spanName) query.spanName = spanName;
  if (remoteServiceName) query.remoteServiceName = remoteServiceName;
  if (minDuration !== undefined) query.minDuration = minDuration;
  if (maxDuration !== undefined) query.maxDuration = maxDuration;
  return query;
}

/** The trace's timestamp: its root's, else its earliest span's (0 when none has one). */
export function traceTimestamp(spans: readonly ZipkinSpan[]): number {
  const root = spans.find((s) => !s.parentId && s.timestamp !== undefined);
  if (root) return root.timestamp!;
  return spans.reduce((min, s) => (s.timestamp !== undefined && (min === 0 || s.timestamp < min) ? s.timestamp : min), 0);
}

/** Whether a (merged) trace answers the query, as Zipkin's QueryRequest.test. */
export function matchesTrace(q: TraceQuery, spans: readonly ZipkinSpan[]): boolean {
  const ts = traceTimestamp(spans);
  if (ts === 0 || ts < (q.endTs - q.lookback) * 1000 || ts > q.endTs * 1000) return false;
  let service = q.serviceName === undefined;
  let spanName = q.spanName === undefined;
  let remote = q.remoteServiceName === undefined;
  let duration = q.minDuration === undefined;
  const remaining = new Map(q.annotationQuery);
  for (const s of spans) {
    if (q.serviceName !== undefined && s.localEndpoint?.serviceName !== q.serviceName) continue;
    service = true;
    if (s.name === q.spanName) spanName = true;
    if (s.remoteEndpoint?.serviceName === q.remoteServiceName) remote = true;
    for (const a of s.annotations ?? []) if (remaining.get(a.value) === '') remaining.delete(a.value);
    for (const [k, v] of Object.entries(s.tags ?? {})) {
      const want = remaining.get(k);
      if (want !== undefined && (want === '' || want === v)) remaining.delete(k);
    }
    if (!duration && s.duration !== undefined) {
      duration = s.duration >= q.minDuration! && (q.maxDuration === undefined || s.duration <= q.maxDuration);
    }
  }
  return service && spanName && remote && duration && remaining.size === 0;
}
