// Envoy's tracing decision: the reason a request is traced, packed into the x-request-id UUID
// (the UUID request id extension's pack_trace_reason), and the sampling that sets it.
import type { HeaderMap } from '../http/headers.js';
import { runtime } from '../runtime/runtime.js';
import type { Counter } from '../stats/store.js';

/** Why a request is (not) traced (Envoy's Tracing::Reason). */
export type TraceReason = 'NotTraceable' | 'Sampling' | 'ServiceForced' | 'ClientForced';

/** The UUID position holding the reason (the version digit of a v4 UUID). */
const TRACE_BYTE_POSITION = 14;
const UUID_LENGTH = 36;
const REASON_CHAR: Record<TraceReason, string> = { NotTraceable: '4', Sampling: 'a', ServiceForced: '9', ClientForced: 'b' };

/** The reason an x-request-id carries; NotTraceable when absent or not a UUID-length id. */
function traceReasonOf(requestId: string | undefined): TraceReason {
  if (requestId === undefined || requestId.length !== UUID_LENGTH) return 'NotTraceable';
  switch (requestId[TRACE_BYTE_POSITION]) {
    case '9': return 'ServiceForced';
    case 'a': return 'Sampling';
    case 'b': return 'ClientForced';
    default: return 'NotTraceable';
  }
}

/** Writes the reason into the request's x-request-id (left alone unless it is UUID-length). */
function packTraceReason(h: HeaderMap, reason: TraceReason): void {
  const id = h.get('x-request-id');
  if (id === undefined || id.length !== UUID_LENGTH) return;
  h.set('x-request-id', id.slice(0, TRACE_BYTE_POSITION) + REASON_CHAR[reason] + id.slice(TRACE_BYTE_POSITION + 1));
}

/** A sampling percentage as Envoy keeps it: a numerator over 10000. */
export type Sampling = number;

/** An envoy.type.v3.Percent (0..100, default 100) as a numerator over 10000. */
export function samplingOf(percent: { value: number } | undefined): Sampling {
  return percent === undefined ? 10000 : Math.round(percent.value * 100);
}

/** The three sampling knobs of an HCM's (or a route's) tracing config. */
export interface SamplingConfig {
  readonly client: Sampling;
  readonly random: Sampling;
  readonly overall: Sampling;
}

/** `http.<prefix>.tracing.*` counters. */
export interface TracingStats {
  readonly random_sampling: Counter;
  readonly service_forced: Counter;
  readonly client_enabled: Counter;
  readonly not_traceable: Counter;
  readonly health_check: Counter;
}

/**
 * Envoy's mutateTracingRequestHeader and shouldTraceRequest: decides from the x-request-id (the
 * decision of a proxy upstream of us), x-client-trace-id, x-envoy-force-trace and the sampling
 * percentages (the random draw is the request id's first 8 hex digits mod 10000), packs the
 * decision into the request id, and counts it. Returns the reason.
 */
export function decideTraceReason(h: HeaderMap, s: SamplingConfig, stats: TracingStats): TraceReason {
  const id = h.get('x-request-id');
  const draw = id === undefined ? NaN : parseInt(id.slice(0, 8), 16);
  if (!Number.isNaN(draw)) {
    const result = draw % 10000;
    const random = (): number => (result + 0.5) / 10000;
    let reason = traceReasonOf(id);
    if (reason === 'NotTraceable') {
      if (h.has('x-client-trace-id') && runtime.featureEnabled('tracing.client_enabled', s.client, 10000, random)) {
        reason = 'ClientForced';
      } else if (h.has('x-envoy-force-trace')) {
        reason = 'ServiceForced';
      } else if (runtime.featureEnabled('tracing.random_sampling', s.random, 10000, random)) {
        reason = 'Sampling';
      }
      if (reason !== 'NotTraceable') packTraceReason(h, reason);
    }
    if (reason !== 'NotTraceable' && !runtime.featureEnabled('tracing.global_enabled', s.overall, 10000, random)) {
      packTraceReason(h, 'NotTraceable');
    }
  }
  const final = traceReasonOf(h.get('x-request-id'));
  switch (final) {
    case 'Sampling': stats.random_sampling.inc(); break;
    case 'ServiceForced': stats.service_forced.inc(); break;
    case 'ClientForced': stats.client_enabled.inc(); break;
    default: stats.not_traceable.inc(); break;
  }
  return final;
}
