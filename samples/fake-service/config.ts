// fake-service's settings read from its environment (NAME, MESSAGE, UPSTREAM_URIS, TIMING_*,
// ERROR_*), with the image's defaults, and the request duration they make.

/** The parsed settings. */
export interface FakeServiceConfig {
  name: string;
  message: string;
  upstreamUris: string[];
  timing50Ms: number;
  timing90Ms: number;
  timing99Ms: number;
  /** Percentage each duration varies by, at most. */
  timingVariance: number;
  /** Share 0..1 of requests that fail. */
  errorRate: number;
  errorType: 'http_error' | 'delay';
  errorCode: number;
  errorDelayMs: number;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("150ms", "1.5s", "1m30s", "0") in milliseconds. */
export function parseGoDuration(raw: string): number {
  const text = raw.trim();
  if (text === '' || text === '0') return 0;
  let total = 0;
  let rest = text;
  while (rest !== '') {
    const m = /^([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (m === null) throw new Error(`invalid duration "${raw}"`);
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Reads the settings, with fake-service's defaults for unset variables. */
export function fakeServiceConfig(env: Record<string, string | undefined>): FakeServiceConfig {
  const dur = (k: string): number => parseGoDuration(env[k] ?? '');
  const t50 = dur('TIMING_50_PERCENTILE');
  const t90 = dur('TIMING_90_PERCENTILE') || t50;
  const t99 = dur('TIMING_99_PERCENTILE') || t90;
  const errorType = env.ERROR_TYPE === 'delay' ? 'delay' : 'http_error';
  return {
    name: env.NAME || 'Service',
    message: env.MESSAGE || 'Hello World',
    upstreamUris: (env.UPSTREAM_URIS ?? '').split(',').map((u) => u.trim()).filter((u) => u !== ''),
    timing50Ms: t50, timing90Ms: t90, timing99Ms: t99,
    timingVariance: Number(env.TIMING_VARIANCE || 0),
    errorRate: Number(env.ERROR_RATE || 0),
    errorType,
    errorCode: Number(env.ERROR_CODE || 500),
    errorDelayMs: dur('ERROR_DELAY'),
  };
}

/** One request's duration: p50 for half the requests, p90 up to 90 %, p99 above, then ± variance %. */
export function requestDurationMs(c: FakeServiceConfig, random: () => number = Math.random): number {
  const r = random() * 100;
  let base = r < 50 ? c.timing50Ms : r < 90 ? c.timing90Ms : c.timing99Ms;
  if (c.timingVariance > 0) base += base * (c.timingVariance / 100) * (random() * 2 - 1);
  return Math.max(0, base);
}
