// The collector's in-memory trace store (Zipkin's InMemoryStorage): spans grouped by trace id,
// indexes of service, span and remote service names; bounded, evicting the oldest traces first.
import { dependencyLinks, type DependencyLink } from './dependencies.js';
import { mergeTrace } from './merge.js';
import { matchesTrace, traceTimestamp, type TraceQuery } from './query.js';
import type { ZipkinSpan } from './span.js';

export const DEFAULT_MAX_SPANS = 50_000;

export class TraceStore {
  /** Trace id -> its reported spans, in the order the traces first arrived (eviction order). */
  private readonly traces = new Map<string, ZipkinSpan[]>();
  private spanCount = 0;

  constructor(private readonly maxSpans = DEFAULT_MAX_SPANS) {}

  get size(): { traces: number; spans: number } { return { traces: this.traces.size, spans: this.spanCount }; }

  accept(spans: readonly ZipkinSpan[]): void {
    for (const s of spans) {
      const list = this.traces.get(s.traceId);
      if (list) list.push(s);
      else this.traces.set(s.traceId, [s]);
      this.spanCount++;
    }
    for (const [id, list] of this.traces) {
      if (this.spanCount <= this.maxSpans || this.traces.size === 1) break;
      this.traces.delete(id);
      this.spanCount -= list.length;
    }
  }

  /** A trace's merged spans; undefined when unknown (the id is normalised; 64-bit ids do not match 128-bit traces). */
  trace(traceId: string): ZipkinSpan[] | undefined {
    const list = this.traces.get(traceId);
    return list ? mergeTrace(list) : undefined;
  }

  serviceNames(): string[] {
    const names = new Set<string>();
    for (const list of this.traces.values()) for (const s of list) if (s.localEndpoint?.serviceName) names.add(s.localEndpoint.serviceName);
    return [...names].sort();
  }

  /** Span names of `serviceName`'s spans. */
  spanNames(serviceName: string): string[] {
    return this.namesOf(serviceName, (s) => s.name);
  }

  /** Remote service names `serviceName`'s spans name. */
  remoteServiceNames(serviceName: string): string[] {
    return this.namesOf(serviceName, (s) => s.remoteEndpoint?.serviceName);
  }

  /** Traces answering `q`, newest first (by the root's timestamp), at most q.limit. */
  query(q: TraceQuery): ZipkinSpan[][] {
    const found: { ts: number; spans: ZipkinSpan[] }[] = [];
    for (const list of this.traces.values()) {
      const spans = mergeTrace(list);
      if (matchesTrace(q, spans)) found.push({ ts: traceTimestamp(spans), spans });
    }
    return found.sort((a, b) => b.ts - a.ts).slice(0, q.limit).map((t) => t.spans);
  }

  /** Service call links of the traces that started in (endTs - lookback, endTs], epoch milliseconds. */
  dependencies(endTs: number, lookback: number): DependencyLink[] {
    const traces: ZipkinSpan[][] = [];
    for (const list of this.traces.values()) {
      const spans = mergeTrace(list);
      const ts = traceTimestamp(spans);
      if (ts !== 0 && ts >= (endTs - lookback) * 1000 && ts <= endTs * 1000) traces.push(spans);
    }
    return dependencyLinks(traces);
  }

  private namesOf(serviceName: string, pick: (s: ZipkinSpan) => string | undefined): string[] {
    const wanted = serviceName.toLowerCase();
    const names = new Set<string>();
    for (const list of this.traces.values()) {
      for (const s of list) {
        const n = s.localEndpoint?.serviceName === wanted ? pick(s) : undefined;
        if (n) names.add(n);
      }
    }
    return [...names].sort();
  }
}
