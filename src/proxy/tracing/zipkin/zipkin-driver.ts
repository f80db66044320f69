// Envoy's Zipkin tracer (envoy.tracers.zipkin): B3 context (W3C traceparent as a fallback), span
// ids per trace_id_128bit and shared_span_context, v2 JSON reports, tracing.zipkin.* stats.
import type { ZipkinConfig } from '../../../xds/gen/envoy/config/trace/v3/zipkin_pb.js';
import type { HeaderMap } from '../../http/headers.js';
import { runtime } from '../../runtime/runtime.js';
import { localNodeAddress } from '../../util/local-address.js';
import type { DriverContext } from '../driver-context.js';
import { Span, type TracingDriver } from '../span.js';
import { SpanReporter } from '../span-reporter.js';
import { extractB3ThenW3c, randomSpanId } from '../trace-context.js';
import { encodeZipkinV2 } from './zipkin-json.js';

const STATS = ['spans_sent', 'timer_flushed', 'reports_skipped_no_cluster', 'reports_sent', 'reports_dropped',
  'reports_failed'] as const;

/** One Zipkin tracer, shared by every HCM with the same config. */
export class ZipkinDriver implements TracingDriver {
  private readonly reporter: SpanReporter;
  private readonly traceId128: boolean;
  private readonly sharedSpanContext: boolean;

  constructor(config: ZipkinConfig, ctx: DriverContext) {
    this.traceId128 = config.traceId128bit;
    this.sharedSpanContext = config.sharedSpanContext ?? true;
    const scope = ctx.stats.scope('tracing.zipkin');
    const stats = Object.fromEntries(STATS.map((n) => [n, scope.counter(n)])) as Record<(typeof STATS)[number],
      ReturnType<typeof scope.counter>>;
    const local = { serviceName: ctx.localNode?.cluster ?? '', ipv4: localNodeAddress() };
    this.reporter = new SpanReporter({
      clusterManager: ctx.clusterManager,
      target: {
        cluster: config.collectorCluster, path: config.collectorEndpoint, contentType: 'application/json',
        host: config.collectorHostname !== '' ? config.collectorHostname : config.collectorCluster, headers: [],
      },
      runtimePrefix: 'tracing.zipkin',
      requestTimeoutMs: () => runtime.getInteger('tracing.zipkin.request_timeout', 5000),
      encode: (spans) => encodeZipkinV2(spans, local),
      onSpansSent: (n) => stats.spans_sent.inc(n),
      onTimerFlush: () => stats.timer_flushed.inc(),
      onOutcome: (o) => {
        if ('noCluster' in o) stats.reports_skipped_no_cluster.inc();
        else if ('failed' in o) stats.reports_failed.inc();
        // Envoy counts a report sent only when the collector answers 202 Accepted.
        else if (o.status === 202) stats.reports_sent.inc();
        else stats.reports_dropped.inc();
      },
    });
  }

  startSpan(headers: HeaderMap, ingress: boolean, host: string, traced: boolean, startMono: number): Span | null {
    const found = extractB3ThenW3c(headers);
    if (found.invalid) return null;
    const kind = ingress ? 'SERVER' : 'CLIENT';
    const parent = found.context;
    if (parent === null) {
      const spanId = randomSpanId();
      // As Envoy: a 64-bit root trace id equals the root span's id.
      const traceId = this.traceId128 ? randomSpanId() + spanId : spanId;
      return new Span({ name: host, kind, traceId, spanId, parentId: '', sampled: found.sampled ?? traced, shared: false,
        startMono }, this.reporter);
    }
    const sampled = parent.sampled ?? traced;
    if (ingress && this.sharedSpanContext) {
      return new Span({ name: host, kind, traceId: parent.traceId, spanId: parent.spanId, parentId: parent.parentId,
        sampled, shared: true, startMono }, this.reporter);
    }
    return new Span({ name: host, kind, traceId: parent.traceId, spanId: randomSpanId(), parentId: parent.spanId,
      sampled, shared: false, startMono }, this.reporter);
  }

  close(): void {
    this.reporter.close();
  }
}

