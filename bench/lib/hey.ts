// Running the `hey` load generator and reading its text summary (latency percentiles, status
// codes, errors). hey prints seconds with 4 decimals, so latencies have 0.1 ms resolution.
import { execFile } from 'node:child_process';

/** One hey run, parsed. Latencies in milliseconds; undefined when hey printed none. */
export interface HeyResult {
  durationS: number;
  /** hey's own Requests/sec: counts failed requests too. */
  heyRps: number;
  /** Responses with a 2xx status per second: what the benchmark reports. */
  okRps: number;
  responses: number;
  okResponses: number;
  statusCounts: Record<string, number>;
  errors: number;
  errorSamples: string[];
  latencyMs: { p50?: number; p90?: number; p99?: number; average?: number; slowest?: number };
}

/** What hey should do. */
export interface HeyRun {
  url: string;
  durationS: number;
  connections: number;
  /** Rate limit per connection (hey -q); undefined = as fast as possible. */
  qpsPerConnection?: number;
  method?: 'GET' | 'POST';
  bodyFile?: string;
  /** Cores hey may use (hey -cpus); default all. */
  cpus?: number;
}

/** Runs hey and parses its summary; rejects when hey itself fails. */
export function runHey(heyPath: string, run: HeyRun): Promise<HeyResult> {
  const args = ['-z', `${run.durationS}s`, '-c', String(run.connections), '-t', '10'];
  if (run.cpus !== undefined) args.push('-cpus', String(run.cpus));
  if (run.qpsPerConnection !== undefined) args.push('-q', String(run.qpsPerConnection));
  if (run.method !== undefined) args.push('-m', run.method);
  if (run.bodyFile !== undefined) args.push('-D', run.bodyFile, '-T', 'application/octet-stream');
  args.push(run.url);
  return new Promise((resolve, reject) => {
    execFile(heyPath, args, { maxBuffer: 16 * 1024 * 1024, timeout: (run.durationS + 30) * 1000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`hey ${args.join(' ')}: ${err.message}\n${stderr}`));
        resolve(parseHeySummary(stdout));
      });
  });
}

function secondsToMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n * 1e6) / 1e3 : undefined;
}

/** Parses hey's default (non-CSV) output. */
export function parseHeySummary(text: string): HeyResult {
  const field = (label: string): string | undefined =>
    new RegExp(`^\\s*${label}:\\s+(\\S+)`, 'm').exec(text)?.[1];
  const percentile = (p: number): number | undefined =>
    secondsToMs(new RegExp(`^\\s*${p}% in (\\S+) secs`, 'm').exec(text)?.[1]);

  const statusCounts: Record<string, number> = {};
  const statusBlock = /Status code distribution:\n([\s\S]*?)(?:\n\s*\n|$)/.exec(text)?.[1] ?? '';
  for (const m of statusBlock.matchAll(/\[(\d+)\]\s+(\d+) responses/g)) statusCounts[m[1]!] = Number(m[2]);

  let errors = 0;
  const errorSamples: string[] = [];
  const errorBlock = /Error distribution:\n([\s\S]*)$/.exec(text)?.[1] ?? '';
  for (const m of errorBlock.matchAll(/^\s*\[(\d+)\]\s+(.*)$/gm)) {
    errors += Number(m[1]);
    if (errorSamples.length < 3) errorSamples.push(m[2]!.trim());
  }

  const durationS = Number(field('Total') ?? NaN);
  let responses = 0;
  let okResponses = 0;
  for (const [code, n] of Object.entries(statusCounts)) {
    responses += n;
    if (code.startsWith('2')) okResponses += n;
  }
  return {
    durationS,
    heyRps: Number(field('Requests/sec') ?? NaN),
    okRps: durationS > 0 ? okResponses / durationS : 0,
    responses,
    okResponses,
    statusCounts,
    errors,
    errorSamples,
    latencyMs: {
      p50: percentile(50),
      p90: percentile(90),
      p99: percentile(99),
      average: secondsToMs(field('Average')),
      slowest: secondsToMs(field('Slowest')),
    },
  };
}
