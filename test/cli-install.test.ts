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
