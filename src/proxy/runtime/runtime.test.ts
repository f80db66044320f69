// Runtime tests: static layer flattening, integer and FractionalPercent values, layer order,
// admin overrides and their removal, and disk layers read as one file per key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { LayeredRuntimeSchema } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { Runtime } from './runtime.js';

const always = (): number => 0.999999;
const never = (): number => 0;

test('without layered_runtime: Envoy\'s default base and admin layers', () => {
  const rt = new Runtime();
  rt.configure(undefined);
  assert.deepEqual(rt.view().map((l) => l.name), ['base', 'admin']);
  assert.equal(rt.hasAdminLayer, true);
  assert.equal(rt.featureEnabled('k', 1, 100, always), false, 'default 1% with a high draw');
  rt.adminModify({ k: '100' });
  assert.equal(rt.featureEnabled('k', 0, 100, always), true);
  rt.adminModify({ k: '' });
  assert.equal(rt.get('k'), undefined, 'an empty value removes the override');
});

test('static, disk and admin layers: later wins; nested keys are dotted; percents parse as Envoy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-rt-'));
  try {
    mkdirSync(join(dir, 'envoy', 'fault', 'http', 'abort'), { recursive: true });
    writeFileSync(join(dir, 'envoy', 'fault', 'http', 'abort', 'abort_percent'), '25\n');
    const rt = new Runtime();
    rt.configure(create(LayeredRuntimeSchema, {
      layers: [
        { name: 'static', layerSpecifier: { case: 'staticLayer', value: {
          fault: { http: { abort: { abort_percent: 5, http_status: 418 } } },
          frac: { numerator: 1, denominator: 'TEN_THOUSAND' },
        } } },
        { name: 'disk', layerSpecifier: { case: 'diskLayer', value: { symlinkRoot: dir, subdirectory: 'envoy' } } },
        { name: 'admin', layerSpecifier: { case: 'adminLayer', value: {} } },
      ],
    }));
    assert.equal(rt.get('fault.http.abort.abort_percent'), '25', 'the disk layer overrides the static one');
    assert.equal(rt.getInteger('fault.http.abort.http_status', 503), 418);
    assert.equal(rt.getInteger('missing', 7), 7);
    assert.equal(rt.featureEnabled('frac', 100, 100, () => 0.0002), false, '1 in 10 000, draw 2');
    assert.equal(rt.featureEnabled('frac', 0, 100, () => 0.00005), true, '1 in 10 000, draw 0');
    rt.adminModify({ 'fault.http.abort.abort_percent': '101' });
    assert.equal(rt.featureEnabled('fault.http.abort.abort_percent', 0, 100, always), true, 'over 100 is always');
    rt.adminModify({ 'fault.http.abort.abort_percent': 'junk' });
    assert.equal(rt.featureEnabled('fault.http.abort.abort_percent', 0, 100, never), false, 'junk falls back to the default');
    assert.equal(rt.numLayers, 3);
    assert.equal(rt.adminOverrides, 1);
    rt.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
