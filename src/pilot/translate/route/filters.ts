// Per-route filter configs istiod attaches to a route: the fault filter's HTTPFault and the CORS
// filter's CorsPolicy (typed_per_filter_config), and percentages as FractionalPercent per million.
import { create } from '@bufbuild/protobuf';
import { anyPack, type Any } from '@bufbuild/protobuf/wkt';
import { HTTPFaultSchema, FaultAbortSchema, type HTTPFault } from '../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { FaultDelaySchema } from '../../../xds/gen/envoy/extensions/filters/common/fault/v3/fault_pb.js';
import { CorsPolicySchema } from '../../../xds/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { FractionalPercentSchema, FractionalPercent_DenominatorType, type FractionalPercent } from '../../../xds/gen/envoy/type/v3/percent_pb.js';
import { durationOfMs, durationMsOf } from './durations.js';
import type { CorsPolicy, HTTPFaultInjection, Percent } from './inputs.js';
import { stringMatcher } from './match.js';

export const FAULT_FILTER = 'envoy.filters.http.fault';
export const CORS_FILTER = 'envoy.filters.http.cors';

/** Istio's Percent (0..100, fractional) as Envoy's FractionalPercent over a million; unset is 100%. */
export function fractionalPercent(p: Percent | undefined): FractionalPercent {
  const value = p?.value ?? 100;
  return create(FractionalPercentSchema, {
    numerator: Math.round(value * 10_000), denominator: FractionalPercent_DenominatorType.MILLION,
  });
}

/** gRPC status names as the fault abort's grpcStatus takes them. */
const GRPC_CODES: Record<string, number> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** HTTPFaultInjection -> HTTPFault (the deprecated integer `percent` of delays is honoured too). */
export function faultConfig(f: HTTPFaultInjection): HTTPFault {
  const out = create(HTTPFaultSchema);
  if (f.delay !== undefined) {
    const pct = f.delay.percentage ?? (f.delay.percent !== undefined ? { value: f.delay.percent } : undefined);
    out.delay = create(FaultDelaySchema, {
      faultDelaySecifier: { case: 'fixedDelay', value: durationOfMs(durationMsOf(f.delay.fixedDelay ?? '0') ?? 0) },
      percentage: fractionalPercent(pct),
    });
  }
  if (f.abort !== undefined) {
    const a = f.abort;
    out.abort = create(FaultAbortSchema, {
      errorType: a.grpcStatus !== undefined
        ? { case: 'grpcStatus', value: GRPC_CODES[a.grpcStatus] ?? Number(a.grpcStatus) }
        : { case: 'httpStatus', value: a.httpStatus ?? 503 },
      percentage: fractionalPercent(a.percentage),
    });
  }
  return out;
}

/** corsPolicy -> CorsPolicy (the deprecated allowOrigin list is exact matches). */
export function corsConfig(c: CorsPolicy): Any {
  const origins = [...(c.allowOrigins ?? []), ...(c.allowOrigin ?? []).map((o) => ({ exact: o }))];
  const maxAge = c.maxAge === undefined ? undefined : durationMsOf(c.maxAge);
  return anyPack(CorsPolicySchema, create(CorsPolicySchema, {
    allowOriginStringMatch: origins.map((o) => stringMatcher(o)).filter((m) => m !== undefined),
    allowMethods: (c.allowMethods ?? []).join(','),
    allowHeaders: (c.allowHeaders ?? []).join(','),
    exposeHeaders: (c.exposeHeaders ?? []).join(','),
    maxAge: maxAge === undefined ? '' : String(Math.floor(maxAge / 1000)),
    allowCredentials: c.allowCredentials,
    filterEnabled: { defaultValue: create(FractionalPercentSchema, { numerator: 100 }) },
  }));
}

/** The HTTPFault packed for typed_per_filter_config. */
export function faultAny(f: HTTPFaultInjection): Any {
  return anyPack(HTTPFaultSchema, faultConfig(f));
}
