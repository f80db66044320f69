// The grpc-timeout request header (gRPC over HTTP/2): parsed as Envoy's Grpc::Common::getGrpcTimeout and
// written as toGrpcTimeout, for the route timeouts that follow it (max_grpc_timeout, grpc_timeout_header_max).

/** Envoy's limit on the value: at most 8 digits. */
const MAX_VALUE = 99_999_999;

/** Per unit: [multiplier, divisor] to ms. */
const UNITS: Readonly<Record<string, readonly [number, number]>> = {
  H: [3_600_000, 1], M: [60_000, 1], S: [1000, 1], m: [1, 1], u: [1, 1000], n: [1, 1_000_000],
};

/** The header's timeout in ms (sub-millisecond units round up), or undefined when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value.length < 2 || value.length > 9) return undefined;
  const unit = UNITS[value[value.length - 1]!];
  const digits = value.slice(0, -1);
  if (unit === undefined || !/^\d+$/.test(digits)) return undefined;
  const n = Number(digits);
  if (n > MAX_VALUE) return undefined;
  return Math.ceil((n * unit[0]) / unit[1]);
}

/** A timeout in ms as a grpc-timeout value: milliseconds, or a coarser unit when it would need more than 8 digits. */
export function formatGrpcTimeout(ms: number): string {
  let time = Math.floor(ms);
  if (time <= MAX_VALUE) return `${time}m`;
  time = Math.floor(time / 1000);
  if (time <= MAX_VALUE) return `${time}S`;
  time = Math.floor(time / 60);
  if (time <= MAX_VALUE) return `${time}M`;
  return `${Math.min(Math.floor(time / 60), MAX_VALUE)}H`;
}
