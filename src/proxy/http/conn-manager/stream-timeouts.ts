// The per-stream timeouts of Envoy's connection manager (request_headers_timeout, request_timeout,
// stream_idle_timeout, max_stream_duration): their timers and the local reply each one gives.
import type { ResponseFlag } from '../stream-info.js';
import type { HcmStats } from './stats.js';
import type { RouteStreamDuration } from '../../router/types.js';

/** Which stream timeout fired. */
export type StreamTimeout = 'headers' | 'request' | 'idle' | 'duration';

/** What a timeout answers with (Envoy's ActiveStream::on*Timeout): body, details, stat, flag, gRPC status. */
export interface TimeoutReply {
  readonly body: string;
  readonly details: string;
  readonly stat: 'downstream_rq_header_timeout' | 'downstream_rq_timeout' | 'downstream_rq_idle_timeout'
    | 'downstream_rq_max_duration_reached';
  readonly flag?: ResponseFlag;
  readonly grpcStatus?: number;
}

export const TIMEOUT_REPLIES: Readonly<Record<StreamTimeout, TimeoutReply>> = {
  headers: { body: 'request header timeout', details: 'request_header_timeout', stat: 'downstream_rq_header_timeout' },
  request: { body: 'request timeout', details: 'request_overall_timeout', stat: 'downstream_rq_timeout' },
  idle: { body: 'stream timeout', details: 'stream_idle_timeout', stat: 'downstream_rq_idle_timeout', flag: 'SI' },
  // gRPC DEADLINE_EXCEEDED.
  duration: { body: 'downstream duration timeout', details: 'max_duration_timeout',
    stat: 'downstream_rq_max_duration_reached', grpcStatus: 4 },
};

/**
 * Envoy's Utility::maybeRequestTimeoutCode: 504 once the whole request was received (an HTTP/1 client can
 * keep its connection), 408 before.
 */
export function timeoutStatus(requestComplete: boolean): number {
  return requestComplete ? 504 : 408;
}

/** The HCM's stream timeouts in ms; 0 turns one off. */
export interface StreamTimeoutConfig {
  readonly requestHeadersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
  readonly maxStreamDurationMs: number;
  readonly stats: HcmStats;
}

/**
 * Before a request's headers are complete nothing restarts its timers, so the first to fire is the shortest
 * one configured (on a tie, the first Envoy creates: idle, request, headers, duration); null if none is.
 */
export function firstTimeoutBeforeHeaders(cfg: StreamTimeoutConfig): { kind: StreamTimeout; ms: number } | null {
  let first: { kind: StreamTimeout; ms: number } | null = null;
  const consider = (kind: StreamTimeout, ms: number): void => {
    if (ms > 0 && (first === null || ms < first.ms)) first = { kind, ms };
  };
  consider('idle', cfg.streamIdleTimeoutMs);
  consider('request', cfg.requestTimeoutMs);
  consider('headers', cfg.requestHeadersTimeoutMs);
  consider('duration', cfg.maxStreamDurationMs);
  return first;
}

/**
 * A stream's max duration once its route is known (Envoy's refreshDurationTimeout), in ms from its start, or
 * null for none: the route's max_stream_duration over the HCM's (0 = none); with grpc_timeout_header_max set,
 * a request's grpc-timeout instead, capped by it (0 = no cap) and less grpc_timeout_header_offset.
 */
export function streamDurationMs(hcmMs: number, route: RouteStreamDuration | null,
  grpcTimeoutMs: number | undefined): number | null {
  const headerMax = route?.grpcTimeoutHeaderMaxMs;
  if (grpcTimeoutMs === undefined || headerMax === undefined) {
    const ms = route?.maxStreamDurationMs ?? hcmMs;
    return ms > 0 ? ms : null;
  }
  let ms = headerMax !== 0 && grpcTimeoutMs > headerMax ? headerMax : grpcTimeoutMs;
  const offset = route!.grpcTimeoutHeaderOffsetMs;
  if (ms !== 0 && offset !== undefined) ms = offset < ms ? ms - offset : 0;
  return ms;
}

/** Told when one of its stream's timers fires. */
export interface StreamTimeoutOwner {
  onStreamTimeout(kind: StreamTimeout): void;
}

function fire(t: StreamTimers, kind: StreamTimeout): void {
  t.onFire(kind);
}

function arm(ms: number, t: StreamTimers, kind: StreamTimeout): NodeJS.Timeout {
  const timer = setTimeout(fire, Math.max(0, ms), t, kind);
  timer.unref();
  return timer;
}

/**
 * The timers of a stream whose headers are in, counted from the request's first byte (`startedMs`,
 * performance.now()) as Envoy counts from the stream's creation; the idle timer starts now and restarts on
 * every touch(). (Before the headers, HeaderPhase times the request.)
 */
export class StreamTimers {
  private request: NodeJS.Timeout | null = null;
  private idle: NodeJS.Timeout | null = null;
  private duration: NodeJS.Timeout | null = null;

  constructor(cfg: StreamTimeoutConfig, private readonly owner: StreamTimeoutOwner, private readonly startedMs: number) {
    const elapsed = performance.now() - startedMs;
    if (cfg.requestTimeoutMs > 0) this.request = arm(cfg.requestTimeoutMs - elapsed, this, 'request');
    if (cfg.streamIdleTimeoutMs > 0) this.idle = arm(cfg.streamIdleTimeoutMs, this, 'idle');
    if (cfg.maxStreamDurationMs > 0) this.duration = arm(cfg.maxStreamDurationMs - elapsed, this, 'duration');
  }

  /** Activity on the stream (headers, data or trailers either way): the idle timer starts again. */
  touch(): void {
    this.idle?.refresh();
  }

  /** The route's idle_timeout replaces stream_idle_timeout from now on (0 turns it off). */
  setIdle(ms: number): void {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = ms > 0 ? arm(ms, this, 'idle') : null;
  }

  /** Whether a max duration is armed. */
  get hasDuration(): boolean {
    return this.duration !== null;
  }

  /** The stream's max duration, from its start, once its route is known; null turns it off. */
  setDuration(ms: number | null): void {
    if (this.duration !== null) clearTimeout(this.duration);
    this.duration = ms === null ? null : arm(ms - (performance.now() - this.startedMs), this, 'duration');
  }

  /** The request went all the way through the filters, or the response began: request_timeout no longer applies. */
  disarmRequest(): void {
    if (this.request === null) return;
    clearTimeout(this.request);
    this.request = null;
  }

  clear(): void {
    if (this.request !== null) clearTimeout(this.request);
    if (this.idle !== null) clearTimeout(this.idle);
    if (this.duration !== null) clearTimeout(this.duration);
    this.request = this.idle = this.duration = null;
  }

  onFire(kind: StreamTimeout): void {
    this.clear();
    this.owner.onStreamTimeout(kind);
  }
}
