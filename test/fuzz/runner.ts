// The fuzz runner shared by the short property tests (`npm test`) and `npm run fuzz`: runs one
// target's fast-check property for a time budget and reports its executions and duration.
import fc from 'fast-check';

/** A target's state for one run (a proxy process, appliers...); `check` runs one case. */
export interface FuzzSession<T> {
  /** Throws (or rejects) when the property does not hold for `input`. */
  check(input: T): Promise<void> | void;
  /** What the run saw (e.g. the statuses answered), for the report. */
  summary?(): string;
  stop?(): Promise<void> | void;
}

/** One property over generated inputs. */
export interface FuzzTarget<T> {
  readonly name: string;
  /** The property, in a sentence (for reports and docs). */
  readonly property: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Inputs that once failed (kept as regressions): always run first. */
  readonly examples?: readonly T[];
  /** A case slower than this fails as a hang (async cases are cut off at this time). */
  readonly caseTimeoutMs: number;
  start(): Promise<FuzzSession<T>> | FuzzSession<T>;
}

/** What one run did. */
export interface FuzzReport {
  name: string;
  /** Property evaluations (generated cases, examples and shrinking steps). */
  executions: number;
  ms: number;
  seed: number;
  /** fast-check's report (counterexample, seed, path) when the property failed. */
  failure?: string;
  summary?: string;
}

/** Deep stacks: a failure's report should reach the code under test. */
Error.stackTraceLimit = 40;

/** How long each target runs in `npm test` (the long runs of `npm run fuzz` take FUZZ_SECONDS). */
export const SHORT_BUDGET_MS = 3000;

/** The per-target budget from FUZZ_SECONDS (default `defaultMs`). */
export function budgetFromEnv(defaultMs: number): number {
  const s = Number(process.env['FUZZ_SECONDS']);
  return Number.isFinite(s) && s > 0 ? s * 1000 : defaultMs;
}

/** FUZZ_SEED replays a reported run. */
function seedFromEnv(): number | undefined {
  const s = process.env['FUZZ_SEED'];
  return s === undefined || s === '' ? undefined : Number(s);
}

/** Errors the process would otherwise die of (or print) while a target runs. */
class EscapeWatch {
  private readonly escaped: unknown[] = [];
  private readonly onError = (e: unknown): void => { this.escaped.push(e); };

  constructor() {
    process.on('uncaughtException', this.onError);
    process.on('unhandledRejection', this.onError);
  }

  /** Throws the first error that escaped since the last call. */
  throwIfAny(): void {
    const e = this.escaped.shift();
    this.escaped.length = 0;
    if (e !== undefined) throw new Error(`an error escaped to the process: ${(e as Error)?.stack ?? String(e)}`);
  }

  close(): void {
    process.off('uncaughtException', this.onError);
    process.off('unhandledRejection', this.onError);
  }
}

/** Runs `target` for `budgetMs` (fewer if it fails first); never throws for a failed property. */
export async function runTarget<T>(target: FuzzTarget<T>, budgetMs: number): Promise<FuzzReport> {
  const session = await target.start();
  const watch = new EscapeWatch();
  let executions = 0;
  const started = performance.now();
  try {
    const prop = fc.asyncProperty(target.arbitrary, async (input) => {
      executions++;
      const t0 = performance.now();
      await session.check(input);
      // Let rejections and timers of this case surface before judging it.
      await new Promise((r) => setImmediate(r));
      watch.throwIfAny();
      const took = performance.now() - t0;
      if (took > target.caseTimeoutMs) throw new Error(`one case took ${Math.round(took)} ms (limit ${target.caseTimeoutMs} ms)`);
    });
    const details = await fc.check(prop, {
      numRuns: Number.MAX_SAFE_INTEGER,
      seed: seedFromEnv(),
      examples: (target.examples ?? []).map((e) => [e] as [T]),
      plugins: [fc.interruptAfterTimeLimit(budgetMs), fc.timeout(target.caseTimeoutMs)],
    });
    const report: FuzzReport = { name: target.name, executions, ms: Math.round(performance.now() - started), seed: details.seed,
      summary: session.summary?.() };
    if (details.failed) {
      const err = details.errorInstance as Error | null;
      report.failure = `${fc.defaultReportMessage(details) ?? 'failed'}\nError: ${err?.stack ?? String(err)}`;
    }
    return report;
  } finally {
    watch.close();
    await session.stop?.();
  }
}

/** For node:test files: runs the target and throws its failure report. */
export async function assertTarget<T>(target: FuzzTarget<T>, budgetMs = SHORT_BUDGET_MS): Promise<FuzzReport> {
  const report = await runTarget(target, budgetMs);
  if (report.failure !== undefined) throw new Error(`${target.name}: ${target.property}\n${report.failure}`);
  return report;
}
