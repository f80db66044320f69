// rate_limited_retry_back_off: reads a back-off from Retry-After / X-RateLimit-Reset style response
// headers (SECONDS or UNIX_TIMESTAMP), as Envoy's ResetHeaderParser, and its lower-bound jitter.
import type { RetryPolicy_RateLimitedRetryBackOff } from '../../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { HeaderMap } from '../../../http/headers.js';
import { durationMs } from '../../../util/duration.js';

/** Envoy's default rate_limited_retry_back_off.max_interval (300 s). */
const DEFAULT_RESET_MAX_INTERVAL_MS = 300_000;

/** ResetHeaderFormat as in the proto: SECONDS = 0, UNIX_TIMESTAMP = 1. */
const UNIX_TIMESTAMP = 1;

/** One reset header: a lower-case name and whether it holds seconds or a Unix timestamp. */
interface ResetHeader {
  readonly name: string;
  readonly unixTimestamp: boolean;
}

/** The compiled reset headers of a retry policy, tried in order. */
export class RateLimitedBackOff {
  private readonly headers: readonly ResetHeader[];
  readonly maxIntervalMs: number;

  constructor(cfg: RetryPolicy_RateLimitedRetryBackOff, private readonly nowSeconds = defaultNowSeconds) {
    this.headers = cfg.resetHeaders.map((h) => ({ name: h.name.toLowerCase(), unixTimestamp: h.format === UNIX_TIMESTAMP }));
    this.maxIntervalMs = durationMs(cfg.maxInterval, DEFAULT_RESET_MAX_INTERVAL_MS);
  }

  /** The first header that parses to an interval within max_interval, in ms; -1 when none does. */
  intervalMs(response: HeaderMap): number {
    for (const h of this.headers) {
      const ms = parseResetHeader(response.get(h.name), h.unixTimestamp, this.nowSeconds);
      if (ms >= 0 && ms <= this.maxIntervalMs) return ms;
    }
    return -1;
  }
}

/** Envoy's header value parse: whole seconds, or a Unix timestamp not in the past; -1 otherwise. */
export function parseResetHeader(value: string | undefined, unixTimestamp: boolean,
  nowSeconds: () => number = defaultNowSeconds): number {
  if (value === undefined || !/^\d+$/.test(value)) return -1;
  const n = Number(value);
  if (!unixTimestamp) return n * 1000;
  const now = nowSeconds();
  return n < now ? -1 : (n - now) * 1000;
}

/** JitteredLowerBoundBackOffStrategy: a wait in [min, 1.5 * min). */
export function jitteredLowerBoundMs(minMs: number, random: () => number = Math.random): number {
  const span = Math.floor(minMs / 2);
  return span > 0 ? minMs + Math.floor(random() * span) : minMs;
}

function defaultNowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
