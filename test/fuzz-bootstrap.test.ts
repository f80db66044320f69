// Property test (short run): the bootstrap loader never throws on mutated bootstraps; `npm run
// fuzz` runs the same target longer (test/fuzz).
import { test } from 'node:test';
import { bootstrapTarget } from './fuzz/bootstrap-target.js';
import { assertTarget } from './fuzz/runner.js';

test('bootstrap loader: mutated bootstraps load or fail with path errors', async (t) => {
  const r = await assertTarget(bootstrapTarget());
  t.diagnostic(`${r.executions} executions in ${r.ms} ms`);
});
