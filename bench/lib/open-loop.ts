// An open-loop HTTP/1.1 load generator: requests leave on a fixed schedule whatever the answers do,
// and each latency counts from its scheduled time (no coordinated omission); keep-alive or a new connection each.
import http from 'node:http';
import { percentile } from './bench-util.js';

/** What to send. */
export interface OpenLoopRun {
  url: string;
  /** Requests per second. */
  rate: number;
  durationS: number;
  /** true: a keep-alive pool (up to maxSockets); false: `Connection: close`, a connection per request. */
  keepAlive: boolean;
  maxSockets?: number;
}

/** What came back. Latencies in milliseconds. */
export interface OpenLoopResult {
  sent: number;
  ok: number;
  /** Non-2xx answers and failed requests. */
  failed: number;
  errorSamples: string[];
  /** Wall time from the first scheduled request to the last answer. */
  elapsedS: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

const TIMEOUT_MS = 10_000;

/** Sends GET `url` at `rate` per second for `durationS`, then waits for the answers. */
export function runOpenLoop(run: OpenLoopRun): Promise<OpenLoopResult> {
  const agent = run.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: run.maxSockets ?? 64, scheduling: 'lifo' }) : undefined;
  const headers = run.keepAlive ? {} : { connection: 'close' };
  const total = Math.round(run.rate * run.durationS);
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let ok = 0;
  let failed = 0;
  let sent = 0;
  let done = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const finish = (): void => {
      if (++done < total) return;
      agent?.destroy();
      latencies.sort((a, b) => a - b);
      resolve({
        sent, ok, failed, errorSamples, elapsedS: (performance.now() - start) / 1000,
        latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN },
      });
    };
    const fail = (why: string): void => {
      failed++;
      if (errorSamples.length < 3) errorSamples.push(why);
      finish();
    };
    const send = (due: number): void => {
      sent++;
      let settled = false;
      const settle = (why: string | null): void => {
        if (settled) return;
        settled = true;
        if (why === null) {
          ok++;
          finish();
        } else fail(why);
      };
      const req = http.get(run.url, { agent: agent ?? false, headers, timeout: TIMEOUT_MS }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - due);
          const status = res.statusCode ?? 0;
          settle(status >= 200 && status < 300 ? null : `status ${status}`);
        });
        res.on('error', (e) => settle(e.message));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
      req.on('error', (e) => settle(e.message));
    };
    // Every millisecond, send what the schedule says is due by now, each timed from its own due time.
    const timer = setInterval(() => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / run.rate <= now) send(start + (sent * 1000) / run.rate);
      if (sent >= total) clearInterval(timer);
    }, 1);
  });
}
