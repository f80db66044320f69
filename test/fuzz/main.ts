// `npm run fuzz`: every fuzz target (or those whose name contains the first argument) for
// FUZZ_SECONDS each (default 60), printing executions and time per target; exit 1 on a failure.
import { bootstrapTarget } from './bootstrap-target.js';
import { http1MutatedTarget, http1SplitTarget } from './http1-target.js';
import { istioTarget } from './istio-target.js';
import { xdsMutatedTarget, xdsRandomTarget } from './xds-target.js';
import { budgetFromEnv, runTarget, type FuzzReport, type FuzzTarget } from './runner.js';

const DEFAULT_BUDGET_MS = 60_000;

/** Every target, built lazily (some start processes). */
const TARGETS: (() => FuzzTarget<never>)[] = [
  http1SplitTarget,
  http1MutatedTarget,
  bootstrapTarget,
  istioTarget,
  xdsMutatedTarget,
  xdsRandomTarget,
] as (() => FuzzTarget<never>)[];

function row(r: FuzzReport): string {
  const s = r.ms / 1000;
  return `${r.name.padEnd(24)} ${String(r.executions).padStart(9)} ${s.toFixed(1).padStart(8)} ${(r.executions / s).toFixed(0).padStart(8)}  ` +
    `${r.failure === undefined ? 'ok' : 'FAILED'} (seed ${r.seed})`;
}

async function main(): Promise<void> {
  const filter = process.argv[2] ?? '';
  const budget = budgetFromEnv(DEFAULT_BUDGET_MS);
  console.log(`fuzzing for ${budget / 1000} s per target (FUZZ_SECONDS), ${new Date().toISOString()}`);
  console.log(`${'target'.padEnd(24)} ${'execs'.padStart(9)} ${'seconds'.padStart(8)} ${'execs/s'.padStart(8)}`);
  let failed = false;
  for (const make of TARGETS) {
    const target = make();
    if (!target.name.includes(filter)) continue;
    const r = await runTarget(target, budget);
    console.log(row(r));
    if (r.summary) console.log(`  ${r.summary}`);
    if (r.failure !== undefined) {
      failed = true;
      console.log(`${target.name}: ${target.property}\n${r.failure}\n`);
    }
  }
  process.exit(failed ? 1 : 0);
}

await main();
