// The fault filter's settings (envoy.extensions.filters.http.fault.v3.HTTPFault), compiled once:
// delay and abort providers (fixed or from request headers), percentages, and request matching.
import type { HTTPFault } from '../../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import type { FaultDelay as FaultDelayProto } from '../../../../xds/gen/envoy/extensions/filters/common/fault/v3/fault_pb.js';
import type { FaultAbort as FaultAbortProto } from '../../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import type { RequestHead } from '../../../http/headers.js';
import { HeaderMatch } from '../../../router/header-match.js';
import { fail } from '../../../router/errors.js';
import { durationMs } from '../../../util/duration.js';
import { Fraction } from './fractional-percent.js';

/** Request headers that control faults when the config asks for header_delay / header_abort. */
export const DELAY_REQUEST = 'x-envoy-fault-delay-request';
export const DELAY_REQUEST_PERCENTAGE = 'x-envoy-fault-delay-request-percentage';
export const ABORT_REQUEST = 'x-envoy-fault-abort-request';
export const ABORT_GRPC_REQUEST = 'x-envoy-fault-abort-grpc-request';
export const ABORT_REQUEST_PERCENTAGE = 'x-envoy-fault-abort-request-percentage';
export const DOWNSTREAM_SERVICE_NODE = 'x-envoy-downstream-service-node';
export const DOWNSTREAM_SERVICE_CLUSTER = 'x-envoy-downstream-service-cluster';

const UINT32_MAX = 0xffff_ffff;

/**
 * absl::SimpleAtoi into an unsigned integer no larger than `max` (surrounding whitespace and a '+'
 * allowed); undefined when the value is not one. Fault headers use only their first value.
 */
export function parseUnsigned(v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*\+?(\d+)\s*$/.exec(v);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n <= max ? n : undefined;
}

/** A percentage's numerator, which a request header may lower (never raise): the header_* providers' rule. */
function numeratorWithHeader(p: Fraction, head: RequestHead, header: string): number {
  const fromHeader = parseUnsigned(head.headers.get(header), UINT32_MAX);
  return fromHeader === undefined ? p.numerator : Math.min(fromHeader, p.numerator);
}

/** A compiled FaultDelay: fixed_delay, or the duration named by x-envoy-fault-delay-request. */
export class FaultDelay {
  /** `fixedMs` is null for header_delay. */
  constructor(readonly fixedMs: number | null, readonly percentage: Fraction) {}

  /** The chance's numerator for this request (over `percentage.denominator`). */
  numeratorFor(head: RequestHead): number {
    if (this.fixedMs !== null) return this.percentage.numerator;
    return numeratorWithHeader(this.percentage, head, DELAY_REQUEST_PERCENTAGE);
  }

  /** The delay in ms, or undefined (header_delay without a valid header). */
  durationMs(head: RequestHead): number | undefined {
    if (this.fixedMs !== null) return this.fixedMs;
    return parseUnsigned(head.headers.get(DELAY_REQUEST), Number.MAX_SAFE_INTEGER);
  }
}

/** An abort's outcome: the HTTP status and, for grpc_status aborts, the gRPC status. */
export interface AbortStatus {
  readonly http: number;
  readonly grpc: number | undefined;
}

/** A compiled FaultAbort: http_status, grpc_status, or header_abort. */
export class FaultAbort {
  private readonly fixed: AbortStatus | null;

  /** `fixed` is null for header_abort. */
  constructor(fixed: AbortStatus | null, readonly percentage: Fraction) {
    this.fixed = fixed;
  }

  /** The chance's numerator for this request (over `percentage.denominator`). */
  numeratorFor(head: RequestHead): number {
    if (this.fixed !== null) return this.percentage.numerator;
    return numeratorWithHeader(this.percentage, head, ABORT_REQUEST_PERCENTAGE);
  }

  /** Whether the status is fixed by the config (then runtime may override it). */
  get isFixed(): boolean {
    return this.fixed !== null;
  }

  /**
   * The status to abort with, or null (header_abort without a valid header). An HTTP status wins
   * over a gRPC one; a gRPC abort answers HTTP 200, as in Envoy.
   */
  status(head: RequestHead): AbortStatus | null {
    if (this.fixed !== null) return this.fixed;
    const http = parseUnsigned(head.headers.get(ABORT_REQUEST), Number.MAX_SAFE_INTEGER);
    if (http !== undefined && http >= 200 && http < 600) return { http, grpc: undefined };
    const grpc = parseUnsigned(head.headers.get(ABORT_GRPC_REQUEST), UINT32_MAX);
    return grpc === undefined ? null : { http: 200, grpc };
  }
}

/** The runtime keys that override a fault's numbers (HTTPFault's *_runtime fields). */
export interface FaultRuntimeKeys {
  readonly delayPercent: string;
  readonly delayDuration: string;
  readonly abortPercent: string;
  readonly abortHttpStatus: string;
  readonly abortGrpcStatus: string;
  readonly maxActiveFaults: string;
}

/** Envoy's default runtime keys of the fault filter. */
export const DEFAULT_RUNTIME_KEYS: FaultRuntimeKeys = {
  delayPercent: 'fault.http.delay.fixed_delay_percent',
  delayDuration: 'fault.http.delay.fixed_duration_ms',
  abortPercent: 'fault.http.abort.abort_percent',
  abortHttpStatus: 'fault.http.abort.http_status',
  abortGrpcStatus: 'fault.http.abort.grpc_status',
  maxActiveFaults: 'fault.http.max_active_faults',
};

function runtimeKeys(p: HTTPFault): FaultRuntimeKeys {
  const d = DEFAULT_RUNTIME_KEYS;
  return {
    delayPercent: p.delayPercentRuntime || d.delayPercent,
    delayDuration: p.delayDurationRuntime || d.delayDuration,
    abortPercent: p.abortPercentRuntime || d.abortPercent,
    abortHttpStatus: p.abortHttpStatusRuntime || d.abortHttpStatus,
    abortGrpcStatus: p.abortGrpcStatusRuntime || d.abortGrpcStatus,
    maxActiveFaults: p.maxActiveFaultsRuntime || d.maxActiveFaults,
  };
}

/** One HTTPFault, compiled: what to inject and which requests qualify. */
export class FaultSettings {
  constructor(
    readonly delay: FaultDelay | null,
    readonly abort: FaultAbort | null,
    /** `headers`: every matcher must match. */
    readonly headers: readonly HeaderMatch[],
    /** `upstream_cluster` ('' = any). */
    readonly upstreamCluster: string,
    /** `downstream_nodes` (null = any). */
    readonly downstreamNodes: ReadonlySet<string> | null,
    /** `max_active_faults` (Infinity when unset). */
    readonly maxActiveFaults: number,
    readonly disableDownstreamClusterStats: boolean,
    readonly runtimeKeys: FaultRuntimeKeys = DEFAULT_RUNTIME_KEYS,
  ) {}

  /** Whether there is anything to inject at all. */
  get injects(): boolean {
    return this.delay !== null || this.abort !== null;
  }
}

function compileDelay(d: FaultDelayProto, path: string): FaultDelay {
  const spec = d.faultDelaySecifier;
  const percentage = Fraction.of(d.percentage);
  if (spec.case === 'fixedDelay') return new FaultDelay(durationMs(spec.value, 0), percentage);
  if (spec.case === 'headerDelay') return new FaultDelay(null, percentage);
  return fail(path, 'one of fixed_delay or header_delay is required');
}

function compileAbort(a: FaultAbortProto, path: string): FaultAbort {
  const t = a.errorType;
  const percentage = Fraction.of(a.percentage);
  switch (t.case) {
    case 'httpStatus':
      if (t.value < 200 || t.value >= 600) fail(`${path}.http_status`, 'value must be inside range [200, 600)');
      return new FaultAbort({ http: t.value, grpc: undefined }, percentage);
    case 'grpcStatus': return new FaultAbort({ http: 200, grpc: t.value }, percentage);
    case 'headerAbort': return new FaultAbort(null, percentage);
    default: return fail(path, 'one of http_status, grpc_status or header_abort is required');
  }
}

/**
 * Compiles an HTTPFault (undefined = an empty one); `path` names it in errors. Throws a
 * RouteConfigError for a config Strait cannot serve.
 */
export function compileFaultSettings(proto: HTTPFault | undefined, path: string): FaultSettings {
  if (proto === undefined) return new FaultSettings(null, null, [], '', null, Infinity, false);
  if (proto.responseRateLimit !== undefined) {
    fail(`${path}.response_rate_limit`, 'response rate limit faults are not supported by Strait');
  }
  return new FaultSettings(
    proto.delay === undefined ? null : compileDelay(proto.delay, `${path}.delay`),
    proto.abort === undefined ? null : compileAbort(proto.abort, `${path}.abort`),
    proto.headers.map((h, i) => new HeaderMatch(h, `${path}.headers[${i}]`)),
    proto.upstreamCluster,
    proto.downstreamNodes.length === 0 ? null : new Set(proto.downstreamNodes),
    proto.maxActiveFaults ?? Infinity,
    proto.disableDownstreamClusterStats,
    runtimeKeys(proto),
  );
}
