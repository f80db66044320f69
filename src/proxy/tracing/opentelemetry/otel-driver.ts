// Envoy's OpenTelemetry tracer (envoy.tracers.opentelemetry) with its HTTP exporter: W3C
// traceparent context (B3 as a fallback), 128-bit trace ids, OTLP/HTTP reports, tracing.opentelemetry.* stats.
import type { OpenTelemetryConfig } from '../../../xds/gen/envoy/config/trace/v3/opentelemetry_pb.js';
import type { HeaderMap } from '../../http/headers.js';
import { durationMs } from '../../util/duration.js';
import type { DriverContext } from '../driver-context.js';
import { Span, type TracingDriver } from '../span.js';
import { SpanReporter } from '../span-reporter.js';
import { extractW3cThenB3, randomSpanId } from '../trace-context.js';
import { encodeOtlpJson } from './otlp-json.js';

const STATS = ['spans_sent', 'timer_flushed', 'http_reports_sent', 'http_reports_success', 'http_reports_failed'] as const;

/** `scheme://host[:port]/path` -> its authority and path (path only when there is no scheme). */
export function splitUri(uri: string): { authority: string; path: string } {
  const scheme = uri.indexOf('://');
  if (scheme < 0) return { authority: '', path: uri === '' ? '/' : uri };
  const rest = uri.slice(scheme + 3);
  const slash = rest.indexOf('/');
  return slash < 0 ? { authority: rest, path: '/' } : { authority: rest.slice(0, slash), path: rest.slice(slash) };
}

/** One OpenTelemetry tracer, shared by every HCM with the same config. */
export class OpenTelemetryDriver implements TracingDriver {
  private readonly reporter: SpanReporter;

  constructor(config: OpenTelemetryConfig, ctx: DriverContext) {
    const http = config.httpService!;
    const uri = http.httpUri!;
    const cluster = uri.httpUpstreamType.case === 'cluster' ? uri.httpUpstreamType.value : '';
    const { authority, path } = splitUri(uri.uri);
    const scope = ctx.stats.scope('tracing.opentelemetry');
    const stats = Object.fromEntries(STATS.map((n) => [n, scope.counter(n)])) as Record<(typeof STATS)[number],
      ReturnType<typeof scope.counter>>;
    const serviceName = config.serviceName !== '' ? config.serviceName : 'unknown_service:envoy';
    const timeoutMs = durationMs(uri.timeout, 1000);
    this.reporter = new SpanReporter({
      clusterManager: ctx.clusterManager,
      target: {
        cluster, path, host: authority !== '' ? authority : cluster, contentType: 'application/json',
        headers: http.requestHeadersToAdd.flatMap((o) => (o.header === undefined ? [] : [[o.header.key.toLowerCase(),
          o.header.value] as const])),
      },
      runtimePrefix: 'tracing.opentelemetry',
      requestTimeoutMs: () => timeoutMs,
      encode: (spans) => encodeOtlpJson(spans, serviceName),
      onSpansSent: (n) => {
        stats.spans_sent.inc(n);
        stats.http_reports_sent.inc();
      },
      onTimerFlush: () => stats.timer_flushed.inc(),
      onOutcome: (o) => {
        if ('status' in o && o.status >= 200 && o.status < 300) stats.http_reports_success.inc();
        else stats.http_reports_failed.inc();
      },
    });
  }

  startSpan(headers: HeaderMap, ingress: boolean, host: string, traced: boolean, startMono: number): Span | null {
    const found = extractW3cThenB3(headers);
    const parent = found.context;
    const kind = ingress ? 'SERVER' : 'CLIENT';
    const name = ingress ? 'ingress' : `egress ${host}`;
    if (parent === null) {
      return new Span({ name, kind, traceId: randomSpanId() + randomSpanId(), spanId: randomSpanId(), parentId: '',
        sampled: found.sampled ?? traced, shared: false, startMono }, this.reporter);
    }
    return new Span({ name, kind, traceId: parent.traceId.padStart(32, '0'), spanId: randomSpanId(),
      parentId: parent.spanId, sampled: parent.sampled ?? traced, shared: false, startMono }, this.reporter);
  }

  close(): void {
    this.reporter.close();
  }
}
