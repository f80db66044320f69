// One request sent through the proxy's own clusters and pools (Envoy's async client): counted in the
// cluster's stats, its whole response (status, headers, body) or its failure handed to a callback, never a throw.
import type { HeaderMap, HttpProtocol, RequestHead, ResponseHead } from '../http/headers.js';
import type { RequestEncoder, ResponseDecoder, StreamResetReason } from '../http/codec/types.js';
import type { Cancellable, Cluster, ClusterManager, Host, PoolCallbacks, PoolFailureReason } from './types.js';

/** How a request ended: the whole response, a failure (no host, connect error, reset, timeout), or no such cluster. */
export type AsyncOutcome =
  | { readonly status: number; readonly headers: HeaderMap; readonly body: Buffer }
  | { readonly failed: string }
  | { readonly noCluster: true };

function onAsyncTimeout(r: AsyncRequest): void {
  r.fail('timeout');
}

/** A request and its response; lives until the response ends, it fails or it is cancelled. */
class AsyncRequest implements ResponseDecoder, PoolCallbacks, Cancellable {
  private pending: Cancellable | null = null;
  private encoder: RequestEncoder | null = null;
  private readonly timer: NodeJS.Timeout;
  private done = false;
  private response: ResponseHead | null = null;
  private readonly chunks: Buffer[] = [];

  constructor(private readonly cluster: Cluster, private readonly host: Host, private readonly head: RequestHead,
    private readonly body: Buffer | null, timeoutMs: number, private readonly onDone: (o: AsyncOutcome) => void) {
    this.timer = setTimeout(onAsyncTimeout, timeoutMs, this);
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
    const body = this.body;
    encoder.encodeHeaders(this.head, body === null);
    if (body !== null && !this.done) encoder.encodeData(body, true);
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
    this.response = head;
    if (endStream) this.complete();
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    if (this.done) return;
    this.chunks.push(chunk);
    if (endStream) this.complete();
  }

  decodeTrailers(): void {
    if (!this.done) this.complete();
  }

  onResetStream(_reason: StreamResetReason, transportFailure: string): void {
    this.encoder = null;
    if (this.done) return;
    this.host.stats.rq_error++;
    this.fail(transportFailure !== '' ? transportFailure : 'reset');
  }

  /** Drops the request without telling the callback (the caller went away). */
  cancel(): void {
    this.finish(null);
  }

  fail(why: string): void {
    this.finish({ failed: why });
  }

  private complete(): void {
    const r = this.response!;
    this.encoder = null;
    this.finish({ status: r.status, headers: r.headers, body: Buffer.concat(this.chunks) });
  }

  /** Ends the request once; a stream still open is reset. */
  private finish(outcome: AsyncOutcome | null): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    if (this.pending !== null) this.pending.cancel();
    this.pending = null;
    const encoder = this.encoder;
    this.encoder = null;
    if (encoder !== null) encoder.resetStream();
    this.cluster.info.stats.upstream_rq_active.dec();
    this.host.stats.rq_active--;
    if (outcome !== null) this.onDone(outcome);
  }
}

const NOOP: Cancellable = { cancel() { /* already done */ } };

/**
 * Sends `head` (and `body`, if any) to a host of `clusterName`; `onDone` is told how it went (asynchronously
 * or at once, never by a throw) unless the returned handle is cancelled first.
 */
export function sendAsyncRequest(cm: ClusterManager, clusterName: string, head: RequestHead, body: Buffer | null,
  timeoutMs: number, onDone: (o: AsyncOutcome) => void): Cancellable {
  const cluster = cm.get(clusterName);
  if (cluster === undefined) {
    onDone({ noCluster: true });
    return NOOP;
  }
  const host = cluster.chooseHost({ head });
  if (host === null) {
    cluster.info.stats.upstream_cx_none_healthy.inc();
    onDone({ failed: 'no healthy upstream' });
    return NOOP;
  }
  try {
    return new AsyncRequest(cluster, host, head, body, timeoutMs, onDone);
  } catch (e) {
    onDone({ failed: (e as Error).message });
    return NOOP;
  }
}

/** The protocol requests to a cluster use (its upstream protocol), HTTP/1.1 when the cluster is unknown. */
export function clusterProtocol(cm: ClusterManager, clusterName: string): HttpProtocol {
  return cm.get(clusterName)?.info.protocol ?? 'HTTP/1.1';
}
