// The addons without a working Prometheus: missing from PATH (one warning line) or exiting at start
// (a warning naming its log); either way the collector runs and its Service and Pod are ready for pilot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildLedger } from '../child-ledger.js';
import { MeshAddons } from './addons.js';
import { envoyStatsTargets } from './prometheus-config.js';
import type { PodState } from '../state.js';

async function startWithPath(t: { after(fn: () => unknown): void }, path: string, ip: string): Promise<{ addons: MeshAddons; warnings: string[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'strait-addons-unit-'));
  const saved = process.env['PATH'];
  process.env['PATH'] = path;
  const warnings: string[] = [];
  try {
    const addons = await MeshAddons.start({ runDir: dir, zipkinIp: ip, pilotMonitoring: '127.0.0.1:15014', pods: [],
      ledger: new ChildLedger(join(dir, 'children.pids')),
      progress: () => undefined, log: (level, msg) => { if (level === 'warn') warnings.push(msg); } });
    t.after(async () => { await addons.stop(); rmSync(dir, { recursive: true, force: true }); });
    return { addons, warnings, dir };
  } finally {
    process.env['PATH'] = saved;
  }
}

test('without prometheus on PATH: one warning, the collector alone', async (t) => {
  const { addons, warnings } = await startWithPath(t, '/nonexistent', '127.95.0.1');
  assert.deepEqual(warnings, ['prometheus is not on PATH: running without it (install Prometheus to scrape the proxies)']);
  assert.deepEqual(addons.urls, { zipkin: 'http://127.95.0.1:9411' });
  assert.deepEqual(await (await fetch('http://127.95.0.1:9411/api/v2/services')).json(), []);
  const [service, pod] = addons.objects;
  assert.deepEqual(service!.spec, { selector: { app: 'zipkin' }, ports: [{ name: 'http-query', port: 9411, targetPort: 9411, protocol: 'TCP' }] });
  assert.equal((pod!['status'] as { podIP: string }).podIP, '127.95.0.1');
});

test('a prometheus that exits at start: a warning naming its log, the mesh goes on', async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'strait-fake-prom-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  writeFileSync(join(bin, 'prometheus'), '#!/bin/sh\necho "bad flag" >&2\nexit 3\n');
  chmodSync(join(bin, 'prometheus'), 0o755);
  const { addons, warnings, dir } = await startWithPath(t, bin, '127.95.0.2');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^running without prometheus: prometheus exited \(see .*prometheus\.log\)$/);
  assert.match(readFileSync(join(dir, 'prometheus', 'prometheus.log'), 'utf8'), /bad flag/);
  assert.deepEqual(Object.keys(addons.urls), ['zipkin']);
});

test('envoy-stats targets: each proxy\'s 15090 with namespace, pod, app and version (pods with no sidecar have none)', () => {
  const pod = (name: string, labels: Record<string, string>, type: PodState['type'] = 'sidecar'): PodState => ({ name, namespace: 'ns', deployment: name, labels,
    serviceAccount: 'default', type, podIp: `127.77.0.${name.length}`, appAddress: '', appPorts: [], adminPort: 15000, httpProxyPort: 15080 });
  assert.deepEqual(envoyStatsTargets([pod('web-1', { app: 'web', version: 'v2', other: 'x' }), pod('gw', { istio: 'ingressgateway' }),
    pod('sleep', { app: 'sleep' }, 'app')]), [
    { targets: ['127.77.0.5:15090'], labels: { namespace: 'ns', pod: 'web-1', app: 'web', version: 'v2' } },
    { targets: ['127.77.0.2:15090'], labels: { namespace: 'ns', pod: 'gw' } },
  ]);
});
