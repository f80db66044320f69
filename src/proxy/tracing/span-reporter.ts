// Batches finished spans and sends them to a collector as Envoy's tracers do: a flush when
// `<runtime prefix>.min_flush_spans` (default 5) are buffered and on a timer every
// `<runtime prefix>.flush_interval_ms` (default 5000), both read from the runtime each time.
import { runtime } from '../runtime/runtime.js';
import type { ClusterManager } from '../upstream/types.js';
import { log } from '../log.js';
import { postReport, type CollectorTarget, type ReportOutcome } from './collector-request.js';
import type { Span, SpanSink } from './span.js';

/** What one tracer's reporter needs: where, how a batch is encoded, how a reply is counted. */
export interface ReporterOptions {
  readonly clusterManager: ClusterManager;
  readonly target: CollectorTarget;
  /** `tracing.zipkin` or `tracing.opentelemetry`: the runtime keys' prefix. */
  readonly runtimePrefix: string;
  readonly requestTimeoutMs: () => number;
  readonly encode: (spans: readonly Span[]) => string;
  /** Counts `n` spans handed to a report. */
  readonly onSpansSent: (n: number) => void;
  readonly onTimerFlush: () => void;
  readonly onOutcome: (o: ReportOutcome) => void;
}

function onFlushTimer(r: SpanReporter): void {
  r.onTimer();
}

/** One tracer's span buffer and its flush timer (unref'd: it never keeps the process up). */
export class SpanReporter implements SpanSink {
  private buffer: Span[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ReporterOptions) {
    this.armTimer();
  }

  report(span: Span): void {
    this.buffer.push(span);
    if (this.buffer.length >= runtime.getInteger(`${this.options.runtimePrefix}.min_flush_spans`, 5)) this.flush();
  }

  onTimer(): void {
    this.timer = null;
    this.options.onTimerFlush();
    this.flush();
    this.armTimer();
  }

  /** Sends what is buffered as one report. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const spans = this.buffer;
    this.buffer = [];
    const o = this.options;
    o.onSpansSent(spans.length);
    let body: string;
    try {
      body = o.encode(spans);
    } catch (e) {
      log('tracing', 'warning', `could not encode spans: ${(e as Error).message}`);
      o.onOutcome({ failed: 'encode' });
      return;
    }
    postReport(o.clusterManager, o.target, body, o.requestTimeoutMs(), (outcome) => {
      if ('noCluster' in outcome) log('tracing', 'debug', `collector cluster '${o.target.cluster}' does not exist`);
      o.onOutcome(outcome);
    });
  }

  /** Stops the timer (the tracer is no longer used). */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private armTimer(): void {
    const ms = runtime.getInteger(`${this.options.runtimePrefix}.flush_interval_ms`, 5000);
    this.timer = setTimeout(onFlushTimer, Math.max(1, ms), this);
    this.timer.unref();
  }
}
