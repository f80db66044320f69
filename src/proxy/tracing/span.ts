// One span of a stream (Envoy's Tracing::Span): identity, kind, timing and tags; a finished,
// sampled span goes to its driver's reporter.
import type { HeaderMap } from '../http/headers.js';
import { injectContext, type SpanContext } from './trace-context.js';

/** Zipkin's and OpenTelemetry's span kinds for a proxy's stream span. */
export type SpanKind = 'SERVER' | 'CLIENT';

/** Where finished, sampled spans go. */
export interface SpanSink {
  report(span: Span): void;
}

/** A span's identity and kind when it starts. */
export interface SpanInit extends SpanContext {
  readonly name: string;
  readonly kind: SpanKind;
  /** Zipkin shared_span_context: a server span reusing the client's span id. */
  readonly shared: boolean;
  /** performance.now() when the stream started. */
  readonly startMono: number;
}

/** A span in progress, then finished. */
export class Span implements SpanContext {
  name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string;
  readonly sampled: boolean;
  readonly shared: boolean;
  /** Start, µs since the epoch. */
  readonly startUs: number;
  /** Duration in µs, set by finish(). */
  durationUs = 0;
  readonly tags = new Map<string, string>();
  private readonly startMono: number;
  private finished = false;

  constructor(init: SpanInit, private readonly sink: SpanSink) {
    this.name = init.name;
    this.kind = init.kind;
    this.traceId = init.traceId;
    this.spanId = init.spanId;
    this.parentId = init.parentId;
    this.sampled = init.sampled === true;
    this.shared = init.shared;
    this.startMono = init.startMono;
    this.startUs = Math.round((performance.timeOrigin + init.startMono) * 1000);
  }

  setTag(name: string, value: string): void {
    this.tags.set(name, value);
  }

  /** Writes this span's context onto a request for the next hop. */
  injectContext(headers: HeaderMap): void {
    injectContext(headers, this);
  }

  /** Ends the span; a sampled one is reported. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.durationUs = Math.max(1, Math.round((performance.now() - this.startMono) * 1000));
    if (this.sampled) this.sink.report(this);
  }
}

/** A tracer (Envoy's Tracing::Driver): makes the span of a stream from the request's headers. */
export interface TracingDriver {
  /**
   * The stream's span. `traced` is the HCM's decision, used when the headers carry none; null when
   * the headers carry a malformed context (Envoy's null span: nothing traced, nothing injected).
   */
  startSpan(headers: HeaderMap, ingress: boolean, host: string, traced: boolean, startMono: number): Span | null;
}
