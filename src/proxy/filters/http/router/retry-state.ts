// Envoy's retry policy for one request: retry_on tokens, remaining retries, the retries circuit
// breaker slot, jittered or rate-limited back-off, and the x-envoy-retry-* request headers.
import type { RetryPolicy } from '../../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { HeaderMap } from '../../../http/headers.js';
import type { StreamResetReason } from '../../../http/codec/types.js';
import type { ClusterStats, Resource } from '../../../upstream/types.js';
import { durationMs } from '../../../util/duration.js';
import { jitteredLowerBoundMs, RateLimitedBackOff } from './reset-header.js';

/** retry_on tokens as bits. */
export const enum RetryOn {
  FiveXx = 1, GatewayError = 2, ConnectFailure = 4, Retriable4xx = 8, RefusedStream = 16,
  RetriableStatusCodes = 32, Reset = 64, RetriableHeaders = 128, EnvoyRateLimited = 256, ResetBeforeRequest = 512,
  GrpcCancelled = 1024, GrpcDeadlineExceeded = 2048, GrpcInternal = 4096, GrpcResourceExhausted = 8192,
  GrpcUnavailable = 16384,
}

const TOKENS: Record<string, number> = {
  '5xx': RetryOn.FiveXx, 'gateway-error': RetryOn.GatewayError, 'connect-failure': RetryOn.ConnectFailure,
  'retriable-4xx': RetryOn.Retriable4xx, 'refused-stream': RetryOn.RefusedStream,
  'retriable-status-codes': RetryOn.RetriableStatusCodes, reset: RetryOn.Reset,
  'retriable-headers': RetryOn.RetriableHeaders, 'envoy-ratelimited': RetryOn.EnvoyRateLimited,
  'reset-before-request': RetryOn.ResetBeforeRequest, cancelled: RetryOn.GrpcCancelled,
  'deadline-exceeded': RetryOn.GrpcDeadlineExceeded, internal: RetryOn.GrpcInternal,
  'resource-exhausted': RetryOn.GrpcResourceExhausted, unavailable: RetryOn.GrpcUnavailable,
};

/** Parses a comma list of retry_on tokens; unknown tokens are ignored, as Envoy does for headers. */
export function parseRetryOn(value: string): number {
  let bits = 0;
  for (const t of value.split(',')) bits |= TOKENS[t.trim()] ?? 0;
  return bits;
}

/** Whether every token of `value` is known (for config validation). */
export function unknownRetryOnTokens(value: string): string[] {
  return value.split(',').map((t) => t.trim()).filter((t) => t !== '' && !(t in TOKENS));
}

/** A retry policy compiled at config time. */
export class CompiledRetryPolicy {
  readonly retryOn: number;
  readonly numRetries: number;
  readonly perTryTimeoutMs: number;
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly statusCodes: ReadonlySet<number>;
  readonly retriableHeaderNames: readonly string[];
  readonly hostSelectionMaxAttempts: number;
  readonly previousHostsPredicate: boolean;
  /** rate_limited_retry_back_off, when it names reset headers. */
  readonly rateLimited: RateLimitedBackOff | null;

  constructor(p: RetryPolicy | undefined) {
    this.retryOn = p ? parseRetryOn(p.retryOn) : 0;
    this.numRetries = p?.numRetries ?? 1;
    this.perTryTimeoutMs = durationMs(p?.perTryTimeout, 0);
    this.baseIntervalMs = durationMs(p?.retryBackOff?.baseInterval, 25);
    this.maxIntervalMs = durationMs(p?.retryBackOff?.maxInterval, this.baseIntervalMs * 10);
    this.statusCodes = new Set(p?.retriableStatusCodes ?? []);
    this.retriableHeaderNames = (p?.retriableHeaders ?? []).map((m) => m.name.toLowerCase());
    this.hostSelectionMaxAttempts = Number(p?.hostSelectionRetryMaxAttempts ?? 1n);
    this.previousHostsPredicate = (p?.retryHostPredicate ?? []).some((h) => h.name.endsWith('previous_hosts'));
    const rl = p?.rateLimitedRetryBackOff;
    this.rateLimited = rl !== undefined && rl.resetHeaders.length > 0 ? new RateLimitedBackOff(rl) : null;
  }
}

/** Envoy's RetryStatus: what shouldRetry answered. */
export const enum RetryStatus { No = 0, Yes = 1, NoOverflow = 2, NoRetryLimitExceeded = 3 }

/** The retry bookkeeping of one request. */
export class RetryState {
  retryOn: number;
  remaining: number;
  private readonly statusCodes: Set<number>;
  private readonly headerNames: string[];
  private backoffCurrentMs: number;
  /** Retries granted so far. */
  retriesDone = 0;
  /** The retries resource a granted retry holds, until the next decision or the request's end. */
  private holding: Resource | null = null;
  /** A back-off read from a reset header of the response being retried; -1 when none. */
  private rateLimitedMs = -1;

  constructor(readonly policy: CompiledRetryPolicy, request: HeaderMap) {
    this.retryOn = policy.retryOn;
    const hdr = request.get('x-envoy-retry-on');
    if (hdr !== undefined) this.retryOn |= parseRetryOn(hdr);
    const grpcHdr = request.get('x-envoy-retry-grpc-on');
    if (grpcHdr !== undefined) this.retryOn |= parseRetryOn(grpcHdr);
    this.remaining = policy.numRetries;
    const max = request.get('x-envoy-max-retries');
    if (max !== undefined && this.retryOn !== 0 && /^\d+$/.test(max)) this.remaining = Number(max);
    this.statusCodes = new Set(policy.statusCodes);
    const codes = request.get('x-envoy-retriable-status-codes');
    if (codes !== undefined) for (const c of codes.split(',')) if (/^\s*\d+\s*$/.test(c)) this.statusCodes.add(Number(c));
    this.headerNames = [...policy.retriableHeaderNames];
    const names = request.get('x-envoy-retriable-header-names');
    if (names !== undefined) for (const n of names.split(',')) this.headerNames.push(n.trim().toLowerCase());
    this.backoffCurrentMs = policy.baseIntervalMs;
  }

  /** Whether any retry could happen at all (decides whether the request body is kept). */
  get enabled(): boolean {
    return this.retryOn !== 0 && this.remaining > 0;
  }

  /** Whether a response with these headers should be retried (ignoring the budget). */
  wouldRetryOnHeaders(status: number, headers: HeaderMap): boolean {
    const on = this.retryOn;
    if (headers.has('x-envoy-ratelimited')) return (on & RetryOn.EnvoyRateLimited) !== 0;
    if ((on & RetryOn.FiveXx) && status >= 500 && status < 600) return true;
    if ((on & RetryOn.GatewayError) && status >= 502 && status <= 504) return true;
    if ((on & RetryOn.Retriable4xx) && status === 409) return true;
    if ((on & RetryOn.RetriableStatusCodes) && this.statusCodes.has(status)) return true;
    if ((on & RetryOn.RetriableHeaders) && this.headerNames.some((n) => headers.has(n))) return true;
    if (on & (RetryOn.GrpcCancelled | RetryOn.GrpcDeadlineExceeded | RetryOn.GrpcInternal |
      RetryOn.GrpcResourceExhausted | RetryOn.GrpcUnavailable)) {
      const g = headers.get('grpc-status');
      if (g === '1' && (on & RetryOn.GrpcCancelled)) return true;
      if (g === '4' && (on & RetryOn.GrpcDeadlineExceeded)) return true;
      if (g === '13' && (on & RetryOn.GrpcInternal)) return true;
      if (g === '8' && (on & RetryOn.GrpcResourceExhausted)) return true;
      if (g === '14' && (on & RetryOn.GrpcUnavailable)) return true;
    }
    return false;
  }

  /** Whether a reset (or connect failure) should be retried. Overflow never is. */
  wouldRetryOnReset(reason: StreamResetReason | 'connect failure', requestSent: boolean): boolean {
    const on = this.retryOn;
    if (reason === 'overflow') return false;
    if (reason === 'connect failure') return (on & (RetryOn.ConnectFailure | RetryOn.FiveXx | RetryOn.GatewayError |
      RetryOn.Reset | RetryOn.ResetBeforeRequest)) !== 0;
    if ((on & RetryOn.ResetBeforeRequest) && !requestSent) return true;
    if (on & (RetryOn.Reset | RetryOn.FiveXx | RetryOn.GatewayError)) return true;
    return (on & RetryOn.RefusedStream) !== 0 && reason === 'remote refused stream reset';
  }

  /**
   * Envoy's shouldRetry: a granted retry takes a slot of the retries circuit breaker (max_retries or
   * retry_budget) and keeps it until the next decision or the end of the request; a decision not to
   * retry after a granted one counts upstream_rq_retry_success.
   */
  shouldRetry(wanted: boolean, retries: Resource, stats: ClusterStats): RetryStatus {
    if (this.holding !== null && !wanted) stats.upstream_rq_retry_success.inc();
    this.release();
    if (!wanted) return RetryStatus.No;
    if (this.remaining <= 0) {
      stats.upstream_rq_retry_limit_exceeded.inc();
      return RetryStatus.NoRetryLimitExceeded;
    }
    this.remaining--;
    if (!retries.canCreate()) {
      stats.upstream_rq_retry_overflow.inc();
      return RetryStatus.NoOverflow;
    }
    retries.inc();
    this.holding = retries;
    this.retriesDone++;
    stats.upstream_rq_retry.inc();
    return RetryStatus.Yes;
  }

  /** shouldRetryHeaders: a wanted retry of a response with a reset header backs off by that header. */
  shouldRetryHeaders(status: number, headers: HeaderMap, retries: Resource, stats: ClusterStats): RetryStatus {
    const wanted = this.wouldRetryOnHeaders(status, headers);
    const rl = this.policy.rateLimited;
    if (wanted && rl !== null) {
      const ms = rl.intervalMs(headers);
      if (ms > 1) this.rateLimitedMs = ms;
    }
    const result = this.shouldRetry(wanted, retries, stats);
    if (result !== RetryStatus.Yes) this.rateLimitedMs = -1;
    return result;
  }

  /** The back-off before the retry just granted: the reset header's, else fully jittered exponential. */
  nextBackoffMs(stats: ClusterStats): number {
    if (this.rateLimitedMs > 1) {
      const ms = jitteredLowerBoundMs(this.rateLimitedMs);
      this.rateLimitedMs = -1;
      stats.upstream_rq_retry_backoff_ratelimited.inc();
      return ms;
    }
    stats.upstream_rq_retry_backoff_exponential.inc();
    const wait = Math.floor(Math.random() * this.backoffCurrentMs);
    this.backoffCurrentMs = Math.min(this.backoffCurrentMs * 2, this.policy.maxIntervalMs);
    return Math.min(wait, this.policy.maxIntervalMs);
  }

  /** Gives the retries circuit-breaker slot back (Envoy's resetRetry). */
  release(): void {
    if (this.holding !== null) {
      this.holding.dec();
      this.holding = null;
    }
  }
}
