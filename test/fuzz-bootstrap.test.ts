// Property test (short run): the bootstrap loader never throws on mutated bootstraps; `npm run
// fuzz` runs the same target longer (test/fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { BootstrapSchema } from '../src/xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { formatConfigError, loadBootstrap } from '../src/proxy/bootstrap/index.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { bootstrapTarget } from './fuzz/bootstrap-target.js';
import { assertTarget } from './fuzz/runner.js';

test('bootstrap loader: mutated bootstraps load or fail with path errors', async (t) => {
  const r = await assertTarget(bootstrapTarget());
  t.diagnostic(`${r.executions} executions in ${r.ms} ms`);
});

// Found by the xDS target, reachable here through a binary (.pb) bootstrap: an HCM typed_config whose
// bytes do not decode made the RE2 and semantic checks throw out of the loader.
test('regression: a binary bootstrap whose HCM typed_config bytes are cut short is a config error', (t) => {
  const loaded = loadBootstrap({ yaml: bootstrapYaml({ routeConfig: simpleRoutes([{ match: { prefix: '/' },
    direct_response: { status: 200 } }]), clusters: [] }) });
  assert.ok(loaded.ok);
  const cfg = loaded.bootstrap.staticResources!.listeners[0]!.filterChains[0]!.filters[0]!.configType;
  assert.equal(cfg.case, 'typedConfig');
  cfg.value!.value = cfg.value!.value.subarray(0, cfg.value!.value.length - 3);
  const dir = mkdtempSync(join(tmpdir(), 'strait-fuzz-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bootstrap.pb');
  writeFileSync(file, toBinary(BootstrapSchema, loaded.bootstrap));
  const r = loadBootstrap({ path: file });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.errors.map(formatConfigError).join('\n'),
    /\.static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config: cannot decode /);
});
