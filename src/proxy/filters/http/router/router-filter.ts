// Envoy's router filter: sends the routed request to a cluster host, with timeouts, retries,
// circuit breakers and Envoy's local replies (404 NR, 503 UH/UF/UO, 504 UT).
import { HeaderMap, type RequestHead, type ResponseHead } from '../../../http/headers.js';
import type { StreamResetReason, WatermarkListener } from '../../../http/codec/types.js';
import type { ResponseFlag } from '../../../http/stream-info.js';
import { FilterStatus, type DecoderFilterCallbacks, type StreamDecoderFilter } from '../types.js';
import type { Cluster, Host, PoolFailureReason, ResourceManager } from '../../../upstream/types.js';
import { RetryDecision, RetryState } from './retry-state.js';
import { UpstreamRequest, type UpstreamRequestOwner } from './upstream-request.js';
import type { RouterConfig } from './config.js';
import type { ForwardAction, RouteMatchResult } from '../../../router/types.js';
import { sendDirectResponse, sendRedirect } from './local-actions.js';
import { applyMutations } from '../../../router/header-mutation.js';
import { finalizeRequestHeaders } from '../../../router/finalize.js';
import { CompiledRetryPolicy } from './retry-state.js';

/** Request bodies up to this size are kept for retries (Envoy's default buffer limit, 1 MiB). */
const RETRY_BUFFER_LIMIT = 1024 * 1024;

/** Headers the router consumes from the request. */
const CONSUMED = ['x-envoy-retry-on', 'x-envoy-retry-grpc-on', 'x-envoy-max-retries', 'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms', 'x-envoy-retriable-status-codes', 'x-envoy-retriable-header-names',
  'x-envoy-hedge-on-per-try-timeout', 'x-envoy-upstream-rq-timeout-alt-response'];

function flagForReset(reason: StreamResetReason | PoolFailureReason): ResponseFlag {
  switch (reason) {
    case 'overflow': return 'UO';
    case 'local connection failure': case 'remote connection failure': case 'connection timeout': return 'UF';
    case 'connection termination': return 'UC';
    case 'local reset': case 'local refused stream reset': return 'LR';
    case 'protocol error': return 'UPE';
    default: return 'UR';
  }
}

/** Whether any x-envoy-* header is present (most requests have none: skip the removals). */
function hasEnvoyHeader(h: HeaderMap): boolean {
  const names = h.names;
  for (let i = 0; i < names.length; i++) if (names[i].startsWith('x-envoy-')) return true;
  return false;
}

function parseMs(v: string | undefined): number | undefined {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** The router filter instance of one stream. */
export class RouterFilter implements StreamDecoderFilter, UpstreamRequestOwner, WatermarkListener {
  private match: RouteMatchResult | null = null;
  private action: ForwardAction | null = null;
  private cluster: Cluster | null = null;
  private resources: ResourceManager | null = null;
  private head: RequestHead | null = null;
  private upstreamHead: RequestHead | null = null;
  private current: UpstreamRequest | null = null;
  private retry: RetryState | null = null;
  private readonly previousHosts: Host[] = [];
  private body: Buffer[] | null = [];
  private bodyBytes = 0;
  private trailers: HeaderMap | null = null;
  private requestEnded = false;
  private downstreamStarted = false;
  private finished = false;
  private attempts = 0;
  private timeoutMs = 0;
  private perTryTimeoutMs = 0;
  private globalTimer: NodeJS.Timeout | null = null;
  private backoffTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly config: RouterConfig, private readonly cb: DecoderFilterCallbacks) {}

  decodeHeaders(head: RequestHead, endStream: boolean): FilterStatus {
    this.head = head;
    this.requestEnded = endStream;
    const cb = this.cb;
    const match = cb.route();
    const hcmStats = this.config.hcmStats;
    if (match === null) {
      hcmStats.no_route.inc();
      cb.sendLocalReply({ status: 404, body: '', flag: 'NR', details: 'route_not_found' });
      return FilterStatus.StopIteration;
    }
    this.match = match;
    const action = match.route.action;
    if (action.kind === 'direct_response') {
      hcmStats.rq_direct_response.inc();
      sendDirectResponse(cb, match, action, head);
      return FilterStatus.StopIteration;
    }
    if (action.kind === 'redirect') {
      hcmStats.rq_redirect.inc();
      sendRedirect(cb, match, action, head);
      return FilterStatus.StopIteration;
    }
    if (action.kind !== 'route') return FilterStatus.Continue;
    this.action = action;
    const cluster = match.clusterName === '' ? undefined : cb.clusterManager.get(match.clusterName);
    if (cluster === undefined) {
      hcmStats.no_cluster.inc();
      cb.sendLocalReply({ status: action.clusterNotFoundResponseCode, body: '', flag: 'NC',
        details: 'cluster_not_found' });
      return FilterStatus.StopIteration;
    }
    this.cluster = cluster;
    this.resources = cluster.info.resourceManagers[action.priority === 'high' ? 1 : 0];
    cb.streamInfo.upstreamCluster = cluster.info.name;

    const h = head.headers;
    this.timeoutMs = parseMs(h.get('x-envoy-upstream-rq-timeout-ms')) ?? action.timeoutMs;
    const policy = retryPolicyOf(action);
    this.perTryTimeoutMs = parseMs(h.get('x-envoy-upstream-rq-per-try-timeout-ms')) ?? policy.perTryTimeoutMs;
    if (policy.retryOn !== 0 || h.has('x-envoy-retry-on') || h.has('x-envoy-retry-grpc-on')) {
      const retry = new RetryState(policy, h);
      this.retry = retry.enabled ? retry : null;
    }
    if (hasEnvoyHeader(h)) for (const name of CONSUMED) h.remove(name);
    this.upstreamHead = this.buildUpstreamHead(head, match);
    if (endStream) this.onRequestEnd();
    this.startAttempt();
    return FilterStatus.StopIteration;
  }

  decodeData(chunk: Buffer, endStream: boolean): FilterStatus {
    if (this.finished) return FilterStatus.StopIteration;
    const keep = this.body !== null && (this.retry !== null || this.current?.encoder == null);
    if (keep) {
      this.body!.push(chunk);
      this.bodyBytes += chunk.length;
      if (this.retry !== null && this.bodyBytes > RETRY_BUFFER_LIMIT && this.current?.encoder != null) {
        // Too large to replay: give up on retries and stream from here on.
        this.retry = null;
        this.body = null;
      }
    }
    if (this.current?.encoder != null) this.current.sendData(chunk, endStream);
    if (endStream) this.onRequestEnd();
    return FilterStatus.StopIteration;
  }

  decodeTrailers(trailers: HeaderMap): FilterStatus {
    if (this.finished) return FilterStatus.StopIteration;
    this.trailers = trailers;
    if (this.current?.encoder != null) this.current.sendTrailers(trailers);
    this.onRequestEnd();
    return FilterStatus.StopIteration;
  }

  onDestroy(): void {
    if (!this.finished) {
      this.finished = true;
      if (this.current !== null) this.endAttempt(this.current, true);
    }
    this.clearTimers();
  }

  /** The request as sent upstream: header mutations, then host and path rewrites, in Envoy's order. */
  private buildUpstreamHead(head: RequestHead, match: RouteMatchResult): RequestHead {
    const up: RequestHead = { method: head.method, path: head.path, authority: head.authority, scheme: 'http',
      protocol: head.protocol, headers: head.headers.clone() };
    finalizeRequestHeaders(match, up, this.cb.streamInfo, { keepOriginal: !this.config.suppressEnvoyHeaders });
    return up;
  }

  // ---- attempts ----

  private onRequestEnd(): void {
    this.requestEnded = true;
    if (this.timeoutMs > 0 && this.globalTimer === null) {
      this.globalTimer = setTimeout(onGlobalTimeout, this.timeoutMs, this);
    }
    if (this.current?.encoder != null) this.armPerTry(this.current);
  }

  private startAttempt(): void {
    this.backoffTimer = null;
    if (this.finished) return;
    const cluster = this.cluster!;
    const stats = cluster.info.stats;
    const previousHosts = this.previousHosts;
    const policy = this.retry?.policy;
    const host = cluster.chooseHost({ head: this.upstreamHead!, previousHosts,
      avoidPreviousHosts: policy?.previousHostsPredicate ?? false,
      hostSelectionRetryMaxAttempts: policy?.hostSelectionMaxAttempts ?? 1 });
    if (host === null) {
      stats.upstream_cx_none_healthy.inc();
      this.localReply(503, 'no healthy upstream', 'UH', 'no_healthy_upstream');
      return;
    }
    const resources = this.resources!;
    if (!resources.requests.canCreate()) {
      stats.upstream_rq_pending_overflow.inc();
      this.localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow', 'UO',
        'upstream_reset_before_response_started{overflow}');
      return;
    }
    const req = new UpstreamRequest(this, host);
    this.current = req;
    this.attempts++;
    this.cb.streamInfo.attemptCount = this.attempts;
    this.cb.streamInfo.upstreamHost = host.key;
    previousHosts.push(host);
    resources.requests.inc();
    stats.upstream_rq_total.inc();
    stats.upstream_rq_active.inc();
    host.stats.rq_total++;
    host.stats.rq_active++;
    const pending = cluster.connPool(host).newStream(req, req);
    if (pending === null) {
      this.endAttempt(req, false);
      stats.upstream_rq_pending_overflow.inc();
      this.localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow', 'UO',
        'upstream_reset_before_response_started{overflow}');
      return;
    }
    req.pending = pending;
  }

  /** Releases an attempt's accounting; `abort` also resets its stream. */
  private endAttempt(req: UpstreamRequest, abort: boolean): void {
    if (req.done && !abort) return;
    const wasDone = req.done;
    if (abort) req.abort();
    else req.finish();
    if (wasDone) return;
    const stats = this.cluster!.info.stats;
    stats.upstream_rq_active.dec();
    this.resources!.requests.dec();
    req.host.stats.rq_active--;
    stats.upstream_rq_time.record(performance.now() - req.startMs);
    if (this.current === req) this.current = null;
  }

  private armPerTry(req: UpstreamRequest): void {
    if (this.perTryTimeoutMs > 0 && req.perTryTimer === null && !req.responseHeadersReceived) {
      req.perTryTimer = setTimeout(onPerTryTimeout, this.perTryTimeoutMs, this, req);
    }
  }

  onUpstreamReady(req: UpstreamRequest): void {
    const info = this.cb.streamInfo;
    const head = this.upstreamHead!;
    const h = head.headers.clone();
    const expected = this.perTryTimeoutMs > 0 ? this.perTryTimeoutMs : this.timeoutMs;
    if (expected > 0 && !this.config.suppressEnvoyHeaders) h.set('x-envoy-expected-rq-timeout-ms', String(expected));
    if (this.match!.virtualHost.includeRequestAttemptCount) h.set('x-envoy-attempt-count', String(this.attempts));
    let authority = head.authority;
    if (this.action!.autoHostRewrite && req.host.hostname !== '') {
      if (this.action!.appendXForwardedHost) appendForwardedHost(h, authority);
      authority = req.host.hostname;
    }
    const bodyless = this.requestEnded && (this.body === null || this.body.length === 0) && this.trailers === null;
    info.firstUpstreamTxByteMs ??= info.elapsedMs();
    req.sendHeaders({ method: head.method, path: head.path, authority, scheme: head.scheme, protocol: head.protocol,
      headers: h }, bodyless);
    if (!bodyless && this.body !== null) {
      const chunks = this.body;
      for (let i = 0; i < chunks.length; i++) {
        req.sendData(chunks[i], this.requestEnded && this.trailers === null && i === chunks.length - 1);
      }
      if (this.retry === null) this.body = null;
    }
    if (this.trailers !== null) req.sendTrailers(this.trailers);
    if (this.requestEnded) {
      info.lastUpstreamTxByteMs = info.elapsedMs();
      this.armPerTry(req);
    }
  }

  onUpstreamPoolFailure(req: UpstreamRequest, reason: PoolFailureReason, transportFailure: string): void {
    this.handleReset(req, reason, transportFailure, reason === 'overflow' ? 'overflow' : 'connect failure');
  }

  onUpstreamReset(req: UpstreamRequest, reason: StreamResetReason, transportFailure: string): void {
    if (reason === 'remote reset' || reason === 'remote refused stream reset') {
      this.cluster!.info.stats.upstream_rq_rx_reset.inc();
    }
    this.handleReset(req, reason, transportFailure, reason);
  }

  private handleReset(req: UpstreamRequest, reason: StreamResetReason | PoolFailureReason, transportFailure: string,
    retryReason: StreamResetReason | 'connect failure'): void {
    req.host.stats.rq_error++;
    this.endAttempt(req, false);
    if (this.finished) return;
    const info = this.cb.streamInfo;
    if (transportFailure !== '') info.upstreamTransportFailureReason = transportFailure;
    if (this.downstreamStarted) {
      info.setFlag(flagForReset(reason));
      this.finished = true;
      this.cb.resetStream();
      return;
    }
    if (this.retry !== null && this.tryRetry(this.retry.wouldRetryOnReset(retryReason, req.requestSent))) return;
    const retried = this.attempts > 1 ? 'retried and the latest ' : '';
    const tf = transportFailure !== '' ? `, transport failure reason: ${transportFailure}` : '';
    const status = reason === 'protocol error' ? 502 : 503;
    const details = `upstream_reset_before_response_started{${reason.replace(/ /g, '_')}}`;
    this.localReply(status, `upstream connect error or disconnect/reset before headers. ${retried}reset reason: ${reason}${tf}`,
      flagForReset(reason), details);
  }

  /** Retries if wanted and allowed; returns whether a retry was scheduled. */
  private tryRetry(wanted: boolean): boolean {
    const retry = this.retry!;
    const stats = this.cluster!.info.stats;
    const decision = retry.decide(wanted);
    if (decision === RetryDecision.No) return false;
    if (decision === RetryDecision.LimitExceeded) {
      stats.upstream_rq_retry_limit_exceeded.inc();
      this.cb.streamInfo.setFlag('URX');
      return false;
    }
    const budget = this.resources!.retries;
    if (!budget.canCreate()) {
      stats.upstream_rq_retry_overflow.inc();
      this.cb.streamInfo.setFlag('URX');
      return false;
    }
    stats.upstream_rq_retry.inc();
    stats.upstream_rq_retry_backoff_exponential.inc();
    budget.inc();
    this.backoffTimer = setTimeout(onBackoffDone, retry.consume(), this, budget);
    return true;
  }

  /** Back-off elapsed: release the retry budget slot and try again. */
  retryNow(budget: ResourceManager['retries']): void {
    budget.dec();
    this.startAttempt();
  }

  onUpstreamHeaders(req: UpstreamRequest, head: ResponseHead, endStream: boolean): void {
    req.clearPerTryTimer();
    const cluster = this.cluster!;
    const stats = cluster.info.stats;
    const retried = this.attempts > 1;
    stats.chargeResponse(head.status, retried);
    if (head.status >= 500) req.host.stats.rq_error++;
    else req.host.stats.rq_success++;
    if (this.retry !== null && head.status !== 101) {
      const wanted = this.retry.wouldRetryOnHeaders(head.status, head.headers);
      if (wanted && this.tryRetry(true)) {
        this.endAttempt(req, true);
        return;
      }
      if (!wanted && this.retry.retriesDone > 0) stats.upstream_rq_retry_success.inc();
    }
    const info = this.cb.streamInfo;
    info.firstUpstreamRxByteMs = info.elapsedMs();
    if (!this.config.suppressEnvoyHeaders) {
      head.headers.set('x-envoy-upstream-service-time', String(Math.round(performance.now() - req.startMs)));
    }
    if (this.match!.virtualHost.includeAttemptCountInResponse) {
      head.headers.set('x-envoy-attempt-count', String(this.attempts));
    }
    applyMutations(this.match!.responseMutations, head.headers, this.head ?? undefined, head.headers, info);
    if (head.status === 101) this.clearGlobalTimer();
    this.downstreamStarted = true;
    info.responseCodeDetails = 'via_upstream';
    this.cb.setDownstreamWatermarkListener(this);
    // The upstream side is finished before the last part goes downstream: encoding it ends the
    // stream, and the stream's teardown must not reset a healthy upstream connection.
    if (endStream) this.onResponseEnd(req);
    else this.armIdleTimer();
    this.cb.encodeHeaders(head, endStream);
  }

  onUpstreamData(req: UpstreamRequest, chunk: Buffer, endStream: boolean): void {
    if (this.idleTimer !== null) this.idleTimer.refresh();
    if (endStream) this.onResponseEnd(req);
    this.cb.encodeData(chunk, endStream);
  }

  onUpstreamTrailers(req: UpstreamRequest, trailers: HeaderMap): void {
    this.onResponseEnd(req);
    this.cb.encodeTrailers(trailers);
  }

  private onResponseEnd(req: UpstreamRequest): void {
    this.cb.streamInfo.lastUpstreamRxByteMs = this.cb.streamInfo.elapsedMs();
    this.finished = true;
    this.endAttempt(req, false);
    this.clearTimers();
  }

  // ---- timeouts ----

  /** The route's global timeout fired. */
  onGlobalTimeout(): void {
    this.globalTimer = null;
    if (this.finished) return;
    const stats = this.cluster!.info.stats;
    stats.upstream_rq_timeout.inc();
    if (this.current !== null) {
      this.current.host.stats.rq_timeout++;
      this.endAttempt(this.current, true);
    }
    if (this.backoffTimer !== null) {
      clearTimeout(this.backoffTimer);
      this.backoffTimer = null;
      this.resources!.retries.dec();
    }
    if (this.downstreamStarted) {
      this.finished = true;
      this.cb.streamInfo.setFlag('UT');
      this.cb.resetStream();
      return;
    }
    this.localReply(504, 'upstream request timeout', 'UT', 'upstream_response_timeout');
  }

  /** A per-try timeout fired before response headers. */
  onPerTryTimeout(req: UpstreamRequest): void {
    req.perTryTimer = null;
    if (this.finished || req.done) return;
    const stats = this.cluster!.info.stats;
    stats.upstream_rq_per_try_timeout.inc();
    req.host.stats.rq_timeout++;
    this.endAttempt(req, true);
    if (this.retry !== null && this.tryRetry(this.retry.wouldRetryOnReset('local reset', true))) return;
    stats.upstream_rq_timeout.inc();
    this.localReply(504, 'upstream request timeout', 'UT', 'upstream_per_try_timeout');
  }

  private armIdleTimer(): void {
    const ms = this.action!.idleTimeoutMs ?? 0;
    if (ms > 0) this.idleTimer = setTimeout(onIdleTimeout, ms, this);
  }

  /** The route's idle_timeout fired while streaming the response. */
  onIdleTimeout(): void {
    this.idleTimer = null;
    if (this.finished) return;
    this.finished = true;
    if (this.current !== null) this.endAttempt(this.current, true);
    this.cb.streamInfo.setFlag('SI');
    this.cb.resetStream();
  }

  private clearGlobalTimer(): void {
    if (this.globalTimer !== null) {
      clearTimeout(this.globalTimer);
      this.globalTimer = null;
    }
  }

  private clearTimers(): void {
    this.clearGlobalTimer();
    if (this.backoffTimer !== null) {
      clearTimeout(this.backoffTimer);
      this.backoffTimer = null;
      this.resources?.retries.dec();
    }
    if (this.idleTimer !== null) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
  }

  private localReply(status: number, body: string, flag: ResponseFlag, details: string): void {
    this.finished = true;
    this.clearTimers();
    this.cb.sendLocalReply({ status, body, flag, details });
  }

  // ---- flow control ----

  onUpstreamAboveWriteBufferHighWatermark(): void {
    this.cb.readDisableDownstream(true);
  }

  onUpstreamBelowWriteBufferLowWatermark(): void {
    this.cb.readDisableDownstream(false);
  }

  /** Downstream is slow: stop reading the upstream response. */
  onAboveWriteBufferHighWatermark(): void {
    this.current?.encoder?.readDisable(true);
  }

  onBelowWriteBufferLowWatermark(): void {
    this.current?.encoder?.readDisable(false);
  }
}

/** Retry policies compiled once per route action. */
const retryPolicies = new WeakMap<ForwardAction, CompiledRetryPolicy>();

function retryPolicyOf(action: ForwardAction): CompiledRetryPolicy {
  let p = retryPolicies.get(action);
  if (p === undefined) {
    p = new CompiledRetryPolicy(action.retryPolicy);
    retryPolicies.set(action, p);
  }
  return p;
}

function appendForwardedHost(headers: HeaderMap, authority: string): void {
  const prev = headers.get('x-forwarded-host');
  headers.set('x-forwarded-host', prev === undefined ? authority : `${prev},${authority}`);
}

function onGlobalTimeout(f: RouterFilter): void {
  f.onGlobalTimeout();
}
function onPerTryTimeout(f: RouterFilter, req: UpstreamRequest): void {
  f.onPerTryTimeout(req);
}
function onBackoffDone(f: RouterFilter, budget: ResourceManager['retries']): void {
  f.retryNow(budget);
}
function onIdleTimeout(f: RouterFilter): void {
  f.onIdleTimeout();
}
