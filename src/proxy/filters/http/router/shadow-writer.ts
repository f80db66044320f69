// Request mirroring: fire-and-forget copies of a routed request (headers, streamed body, trailers)
// sent to mirror clusters; counted in the mirror cluster's stats, responses discarded, failures ignored.
import type { HeaderMap, RequestHead, ResponseHead, HttpProtocol } from '../../../http/headers.js';
import type { RequestEncoder, ResponseDecoder, StreamResetReason, WatermarkListener } from '../../../http/codec/types.js';
import {
  OutlierResult, type Cancellable, type Cluster, type ClusterManager, type ClusterStats, type Host, type PoolCallbacks,
  type PoolFailureReason, type ResourceManager,
} from '../../../upstream/types.js';
import { localNodeAddress } from '../../../util/local-address.js';
import { shadowAuthority, type MirrorPolicy } from './mirror-policy.js';

/** How the router wants its shadows sent. */
export interface ShadowOptions {
  /** The route's global timeout (0 = none): a shadow still unanswered then is reset. */
  readonly timeoutMs: number;
  /** x-envoy-expected-rq-timeout-ms to send (0 = none, e.g. suppress_envoy_headers). */
  readonly expectedTimeoutMs: number;
  /** The virtual host's include_request_attempt_count: the shadow says `x-envoy-attempt-count: 1`. */
  readonly attemptCount: boolean;
  /** The primary cluster's stats (retry_or_shadow_abandoned counts a shadow given up for buffering). */
  readonly primaryStats: ClusterStats;
}

/** Request body bytes a shadow may hold before its upstream stream is ready (Envoy's default buffer limit). */
const SHADOW_BUFFER_LIMIT = 1024 * 1024;

function onShadowTimeout(s: ShadowRequest): void {
  s.onTimeout();
}

/** One shadow request to one mirror cluster host. Lives on its own once the request is sent. */
class ShadowRequest implements ResponseDecoder, PoolCallbacks, WatermarkListener {
  private encoder: RequestEncoder | null = null;
  private pending: Cancellable | null = null;
  private queued: Buffer[] | null = [];
  private queuedBytes = 0;
  private trailers: HeaderMap | null = null;
  private requestEnded: boolean;
  private done = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly startMs = performance.now();

  constructor(private readonly cluster: Cluster, private readonly host: Host, private readonly resources: ResourceManager,
    private readonly head: RequestHead, endStream: boolean, private readonly options: ShadowOptions) {
    this.requestEnded = endStream;
  }

  /** Counts the request and asks the pool for a stream; false when the pool refused it. */
  start(): boolean {
    const stats = this.cluster.info.stats;
    this.resources.requests.inc();
    stats.upstream_rq_total.inc();
    stats.upstream_rq_active.inc();
    this.host.stats.rq_total++;
    this.host.stats.rq_active++;
    const pending = this.cluster.connPool(this.host).newStream(this, this);
    if (pending === null) {
      stats.upstream_rq_pending_overflow.inc();
      this.finish(false);
      return false;
    }
    if (!this.done) this.pending = pending;
    if (this.requestEnded) this.armTimer();
    return true;
  }

  // ---- the request, as the router streams it ----

  sendData(chunk: Buffer, endStream: boolean): void {
    if (this.done) return;
    if (endStream) this.requestEnded = true;
    if (this.encoder !== null) {
      this.encoder.encodeData(chunk, endStream);
    } else {
      this.queued!.push(chunk);
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > SHADOW_BUFFER_LIMIT) {
        this.abandon();
        return;
      }
    }
    if (endStream) this.armTimer();
  }

  sendTrailers(trailers: HeaderMap): void {
    if (this.done) return;
    this.requestEnded = true;
    if (this.encoder !== null) this.encoder.encodeTrailers(trailers);
    else this.trailers = trailers;
    this.armTimer();
  }

  /** The downstream request ended before its body did (reset): the shadow goes too. */
  cancel(): void {
    this.finish(true);
  }

  // ---- PoolCallbacks ----

  onPoolReady(encoder: RequestEncoder, _host: Host, _protocol: HttpProtocol): void {
    this.pending = null;
    if (this.done) {
      encoder.resetStream();
      return;
    }
    this.encoder = encoder;
    encoder.setWatermarkListener(this);
    this.host.outlier?.putResult(OutlierResult.LocalOriginConnectSuccess);
    const chunks = this.queued!;
    this.queued = null;
    const trailers = this.trailers;
    this.trailers = null;
    encoder.encodeHeaders(this.head, this.requestEnded && chunks.length === 0 && trailers === null);
    for (let i = 0; i < chunks.length && !this.done; i++) {
      encoder.encodeData(chunks[i], this.requestEnded && trailers === null && i === chunks.length - 1);
    }
    if (trailers !== null && !this.done) encoder.encodeTrailers(trailers);
  }

  onPoolFailure(reason: PoolFailureReason, _transportFailure: string, _host: Host): void {
    this.pending = null;
    if (this.done) return;
    this.host.stats.rq_error++;
    // As for the router's own attempts: circuit-breaker overflows say nothing about the host.
    if (reason !== 'overflow') this.host.outlier?.putResult(OutlierResult.LocalOriginConnectFailed);
    this.finish(false);
  }

  // ---- ResponseDecoder: counted, then discarded ----

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    if (this.done) return;
    this.cluster.info.stats.chargeResponse(head.status, false);
    this.host.outlier?.putHttpResponseCode(head.status);
    if (head.status >= 500) this.host.stats.rq_error++;
    else this.host.stats.rq_success++;
    if (endStream) this.finish(false);
  }

  decodeData(_chunk: Buffer, endStream: boolean): void {
    if (endStream && !this.done) this.finish(false);
  }

  decodeTrailers(_trailers: HeaderMap): void {
    if (!this.done) this.finish(false);
  }

  onResetStream(reason: StreamResetReason, _transportFailure: string): void {
    if (this.done) return;
    this.encoder = null;
    if (reason === 'remote reset' || reason === 'remote refused stream reset') {
      this.cluster.info.stats.upstream_rq_rx_reset.inc();
    }
    this.host.stats.rq_error++;
    this.finish(false);
  }

  // ---- WatermarkListener: a slow mirror never slows the request down; it is given up instead ----

  onAboveWriteBufferHighWatermark(): void {
    this.abandon();
  }

  onBelowWriteBufferLowWatermark(): void { /* nothing paused */ }

  onTimeout(): void {
    this.timer = null;
    if (this.done) return;
    this.cluster.info.stats.upstream_rq_timeout.inc();
    this.host.stats.rq_timeout++;
    this.host.outlier?.putResult(OutlierResult.LocalOriginTimeout, 504);
    this.finish(true);
  }

  private armTimer(): void {
    if (this.options.timeoutMs > 0 && this.timer === null && !this.done) {
      this.timer = setTimeout(onShadowTimeout, this.options.timeoutMs, this);
    }
  }

  private abandon(): void {
    if (this.done) return;
    this.options.primaryStats.retry_or_shadow_abandoned.inc();
    this.finish(true);
  }

  /** Ends the shadow and releases its accounting once; `reset` also aborts its stream. */
  private finish(reset: boolean): void {
    if (this.done) return;
    this.done = true;
    this.queued = null;
    this.trailers = null;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending !== null) {
      this.pending.cancel();
      this.pending = null;
    }
    const encoder = this.encoder;
    this.encoder = null;
    if (encoder !== null) {
      encoder.setWatermarkListener(null);
      if (reset) encoder.resetStream();
    }
    const stats = this.cluster.info.stats;
    stats.upstream_rq_active.dec();
    this.resources.requests.dec();
    this.host.stats.rq_active--;
    stats.upstream_rq_time.record(performance.now() - this.startMs);
  }
}

/** The shadows of one request whose body is still streaming; the router feeds them until the end. */
export class ShadowSet {
  private constructor(private readonly shadows: readonly ShadowRequest[]) {}

  /**
   * Starts a shadow for each policy that samples in and names an existing cluster with a healthy
   * host. `head` is the request as routed (after the route's header mutations and rewrites).
   * Returns the set to stream the body into, or null when nothing is left to send.
   */
  static start(cm: ClusterManager, policies: readonly MirrorPolicy[], head: RequestHead, endStream: boolean,
    options: ShadowOptions, random: () => number): ShadowSet | null {
    let started: ShadowRequest[] | null = null;
    for (const p of policies) {
      if (!p.fraction.sample(random)) continue;
      const name = p.clusterFor(head);
      // A mirror cluster that does not exist (or was removed by CDS) is skipped, as in Envoy.
      const cluster = name === '' ? undefined : cm.get(name);
      if (cluster === undefined) continue;
      const shadowHead = shadowRequestHead(head, p, options);
      const host = cluster.chooseHost({ head: shadowHead });
      if (host === null) {
        cluster.info.stats.upstream_cx_none_healthy.inc();
        continue;
      }
      const resources = cluster.info.resourceManagers[0];
      if (!resources.requests.canCreate()) {
        cluster.info.stats.upstream_rq_pending_overflow.inc();
        continue;
      }
      const s = new ShadowRequest(cluster, host, resources, shadowHead, endStream, options);
      if (s.start() && !endStream) (started ??= []).push(s);
    }
    return started === null ? null : new ShadowSet(started);
  }

  data(chunk: Buffer, endStream: boolean): void {
    const list = this.shadows;
    for (let i = 0; i < list.length; i++) list[i].sendData(chunk, endStream);
  }

  trailers(trailers: HeaderMap): void {
    const list = this.shadows;
    for (let i = 0; i < list.length; i++) list[i].sendTrailers(trailers);
  }

  /** The downstream stream went away before the request ended: reset the unfinished shadows. */
  cancel(): void {
    for (const s of this.shadows) s.cancel();
  }
}

/** The shadow's own copy of the request: `-shadow` authority, and the async client's internal headers. */
function shadowRequestHead(head: RequestHead, p: MirrorPolicy, options: ShadowOptions): RequestHead {
  const headers = head.headers.clone();
  if (options.expectedTimeoutMs > 0) headers.set('x-envoy-expected-rq-timeout-ms', String(options.expectedTimeoutMs));
  if (options.attemptCount) headers.set('x-envoy-attempt-count', '1');
  // Envoy's async client marks its requests internal and appends the node's address to x-forwarded-for.
  headers.set('x-envoy-internal', 'true');
  const xff = headers.getJoined('x-forwarded-for');
  const local = localNodeAddress();
  headers.set('x-forwarded-for', xff === undefined || xff === '' ? local : `${xff},${local}`);
  const authority = p.disableShadowHostSuffixAppend || head.authority === '' ? head.authority : shadowAuthority(head.authority);
  return { method: head.method, path: head.path, authority, scheme: head.scheme, protocol: head.protocol, headers };
}
