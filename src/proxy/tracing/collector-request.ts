// One report POSTed to a tracing collector through the proxy's own clusters and pools (Envoy's
// async client): counted in the collector cluster's stats; the outcome goes to a callback, never a throw.
import { HeaderMap, type HttpProtocol, type RequestHead, type ResponseHead } from '../http/headers.js';
import type { RequestEncoder, ResponseDecoder, StreamResetReason } from '../http/codec/types.js';
import type { Cancellable, Cluster, ClusterManager, Host, PoolCallbacks, PoolFailureReason } from '../upstream/types.js';

/** How a report ended: the collector's status, or a failure (no host, connect error, reset, timeout). */
export type ReportOutcome = { status: number } | { failed: string } | { noCluster: true };

/** Where and how a collector takes reports. */
export interface CollectorTarget {
  readonly cluster: string;
  readonly path: string;
  /** The Host header (`:authority`). */
  readonly host: string;
  readonly contentType: string;
  /** Extra request headers (OpenTelemetry http_service.request_headers_to_add). */
  readonly headers: readonly (readonly [string, string])[];
}

function onCollectorTimeout(r: CollectorRequest): void {
  r.fail('timeout');
}

/** A POST of one report body; lives until its response or failure. */
class CollectorRequest implements ResponseDecoder, PoolCallbacks {
  private pending: Cancellable | null = null;
  private encoder: RequestEncoder | null = null;
  private readonly timer: NodeJS.Timeout;
  private done = false;

  constructor(private readonly cluster: Cluster, private readonly host: Host, private readonly head: RequestHead,
    private readonly body: Buffer, timeoutMs: number, private readonly onDone: (o: ReportOutcome) => void) {
    this.timer = setTimeout(onCollectorTimeout, timeoutMs, this);
    this.timer.unref();
    const stats = cluster.info.stats;
    stats.upstream_rq_total.inc();
    stats.upstream_rq_active.inc();
    host.stats.rq_total++;
    host.stats.rq_active++;
    const pending = cluster.connPool(host).newStream(this, this);
    if (pending === null) {
      stats.upstream_rq_pending_overflow.inc();
      this.fail('overflow');
    } else if (!this.done) {
      this.pending = pending;
    }
  }

  onPoolReady(encoder: RequestEncoder, _host: Host, _protocol: HttpProtocol): void {
    this.pending = null;
    if (this.done) {
      encoder.resetStream();
      return;
    }
    this.encoder = encoder;
    encoder.encodeHeaders(this.head, false);
    if (!this.done) encoder.encodeData(this.body, true);
  }

  onPoolFailure(reason: PoolFailureReason, _transportFailure: string, _host: Host): void {
    this.pending = null;
    this.host.stats.rq_error++;
    this.fail(reason);
  }

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    if (this.done) return;
    this.cluster.info.stats.chargeResponse(head.status, false);
    if (head.status >= 500) this.host.stats.rq_error++;
    else this.host.stats.rq_success++;
    this.finish({ status: head.status }, !endStream);
  }

  decodeData(): void { /* the collector's body is not read */ }

  decodeTrailers(): void { /* ignored */ }

  onResetStream(_reason: StreamResetReason, transportFailure: string): void {
    this.encoder = null;
    this.host.stats.rq_error++;
    this.fail(transportFailure !== '' ? transportFailure : 'reset');
  }

  fail(why: string): void {
    this.finish({ failed: why }, true);
  }

  /** Ends the request once; `reset` aborts a stream still open (a body we do not wait for). */
  private finish(outcome: ReportOutcome, reset: boolean): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    if (this.pending !== null) this.pending.cancel();
    this.pending = null;
    const encoder = this.encoder;
    this.encoder = null;
    if (encoder !== null && reset) encoder.resetStream();
    this.cluster.info.stats.upstream_rq_active.dec();
    this.host.stats.rq_active--;
    this.onDone(outcome);
  }
}

/** POSTs `body` to the collector; `onDone` is told how it went (asynchronously or at once, never by a throw). */
export function postReport(cm: ClusterManager, target: CollectorTarget, body: string, timeoutMs: number,
  onDone: (o: ReportOutcome) => void): void {
  const cluster = cm.get(target.cluster);
  if (cluster === undefined) {
    onDone({ noCluster: true });
    return;
  }
  const headers = new HeaderMap();
  headers.set('content-type', target.contentType);
  const bytes = Buffer.from(body);
  headers.set('content-length', String(bytes.length));
  for (const [k, v] of target.headers) headers.set(k, v);
  const head: RequestHead = { method: 'POST', path: target.path, authority: target.host, scheme: 'http',
    protocol: cluster.info.protocol, headers };
  const host = cluster.chooseHost({ head });
  if (host === null) {
    cluster.info.stats.upstream_cx_none_healthy.inc();
    onDone({ failed: 'no healthy upstream' });
    return;
  }
  try {
    new CollectorRequest(cluster, host, head, bytes, timeoutMs, onDone);
  } catch (e) {
    onDone({ failed: (e as Error).message });
  }
}
