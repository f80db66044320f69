// `strait install --set profile=...` saves the profile `strait up` runs (istioctl's profiles) and the access
// log's meshConfig settings; unknown profiles and settings are errors; verify-install without a mesh says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { straitWithHome } from './lib/strait-cli.js';

const strait = straitWithHome;

test('install saves the profile; bad profiles and settings are errors; verify-install needs a mesh', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'strait-install-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const ok = await strait(home, ['install', '--set', 'profile=default', '-y']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /✔ Ingress gateways installed/);
  assert.doesNotMatch(ok.stdout, /Egress/);
  assert.deepEqual(JSON.parse(readFileSync(join(home, 'install.json'), 'utf8')), { profile: 'default' });
  // istioctl's meshConfig settings for the access log, kept beside the profile.
  const format = '[%START_TIME%] %RESPONSE_CODE% peer=%DOWNSTREAM_PEER_URI_SAN%';
  const withLog = await strait(home, ['install', '--set', 'profile=demo', '--set', `meshConfig.accessLogFormat=${format}`,
    '--set', 'meshConfig.accessLogFile=/dev/stderr']);
  assert.equal(withLog.code, 0, withLog.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(home, 'install.json'), 'utf8')),
    { profile: 'demo', meshConfig: { accessLogFormat: format, accessLogFile: '/dev/stderr' } });
  const bad = await strait(home, ['install', '--set', 'profile=huge']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'Error: unknown profile "huge"; available profiles: minimal, default, demo\n');
  const setting = await strait(home, ['install', '--set', 'values.global.proxy=1']);
  assert.equal(setting.code, 1);
  assert.match(setting.stderr, /unsupported --set values\.global\.proxy=1/);
  const verify = await strait(home, ['verify-install']);
  assert.equal(verify.code, 1);
  assert.match(verify.stderr, /no local mesh is running/);
});

test('install --set meshConfig.* and values.pilot.traceSampling are saved for `strait up`; unsupported ones are refused', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'strait-install-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const ok = await strait(home, ['install', '--set', 'profile=demo', '--set', 'meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY',
    '--set', 'meshConfig.accessLogFile=/dev/stdout', '--set', 'meshConfig.enableTracing=true',
    '--set', 'meshConfig.defaultConfig.tracing.sampling=10', '--set', 'values.pilot.traceSampling=50']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(home, 'install.json'), 'utf8')), {
    profile: 'demo',
    meshConfig: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, accessLogFile: '/dev/stdout', enableTracing: true,
      defaultConfig: { tracing: { sampling: 10 } } },
    values: { pilot: { traceSampling: 50 } },
  });
  const field = await strait(home, ['install', '--set', 'meshConfig.enableEnvoyAccessLogService=true']);
  assert.equal(field.code, 1);
  assert.match(field.stderr, /^Error: --set meshConfig\.enableEnvoyAccessLogService: unsupported meshConfig field \(Strait supports outboundTrafficPolicy\.mode, /);
  const value = await strait(home, ['install', '--set', 'meshConfig.outboundTrafficPolicy.mode=BLOCK']);
  assert.equal(value.code, 1);
  assert.equal(value.stderr, 'Error: --set meshConfig.outboundTrafficPolicy.mode: unsupported value "BLOCK" (supported: ALLOW_ANY, REGISTRY_ONLY)\n');
  const sampling = await strait(home, ['install', '--set', 'values.pilot.traceSampling=high']);
  assert.equal(sampling.code, 1);
  assert.match(sampling.stderr, /values\.pilot\.traceSampling must be a percentage from 0 to 100/);
  const other = await strait(home, ['install', '--set', 'values.pilot.resources=1']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /unsupported --set values\.pilot\.resources=1 \(supported: profile=minimal\|default\|demo, meshConfig\.<field>/);
  // Nothing refused was saved: the first install's settings stand.
  assert.equal((JSON.parse(readFileSync(join(home, 'install.json'), 'utf8')) as { profile: string }).profile, 'demo');
});
