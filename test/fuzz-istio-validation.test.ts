// Property test (short run): loading and validating mutated Istio objects never throws; `npm run
// fuzz` runs the same target longer (test/fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalidIstioSeeds, istioTarget } from './fuzz/istio-target.js';
import { assertTarget } from './fuzz/runner.js';

test('the Istio seeds are valid as they stand (mutations start from valid objects)', () => {
  assert.deepEqual(invalidIstioSeeds(), []);
});

test('Istio validation: mutated objects give findings, never exceptions', async (t) => {
  const r = await assertTarget(istioTarget());
  t.diagnostic(`${r.executions} executions in ${r.ms} ms`);
});
