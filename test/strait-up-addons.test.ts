// `strait up --addons`: the zipkin collector answers at the URL `strait dashboard zipkin` prints and
// the proxies get a route to zipkin.istio-system; Prometheus (when on PATH) scrapes every proxy's
// 15090 and pilot; `strait down` stops all of it. Own pod network and free ports (beside ch2's test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { straitWithHome } from './lib/strait-cli.js';
import { newHome, startMesh } from './lib/strait-up.js';
import { waitFor } from './lib/wait.js';
import { findOnPath } from '../src/mesh/local/addons/prometheus.js';
import type { MeshState } from '../src/mesh/local/state.js';

const ECHO = `# The namespace labelled for injection, as \`kubectl label namespace default istio-injection=enabled\`.
apiVersion: v1
kind: Namespace
metadata: { name: default, labels: { istio-injection: enabled } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: echo }
spec:
  replicas: 2
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo, version: v1 } }
    spec:
      containers:
      - name: echo
        image: hashicorp/http-echo
        args: ["-text=hello"]
        ports: [{ containerPort: 5678 }]
---
apiVersion: v1
kind: Service
metadata: { name: echo }
spec:
  selector: { app: echo }
  ports: [{ name: http, port: 80, targetPort: 5678 }]
`;

interface Target { labels: Record<string, string>; scrapeUrl: string; health: string }

test('strait up --addons runs zipkin and Prometheus beside the mesh', { timeout: 90_000 }, async (t) => {
  const home = newHome('strait-addons-');
  const dir = join(home, 'manifests');
  mkdirSync(dir);
  writeFileSync(join(dir, 'echo.yaml'), ECHO);
  const run = (args: string[]): ReturnType<typeof straitWithHome> => straitWithHome(home, args);
  assert.equal((await run(['install', '--set', 'profile=minimal'])).code, 0);
  const mesh = await startMesh(t, home, [dir, '--addons', '--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0',
    '--pod-network', '127.93'], 40_000);
  const up = mesh.proc;
  const state = mesh.state;
  assert.equal(state.pods.length, 2);

  const zipkin = await run(['dashboard', 'zipkin']);
  assert.equal(zipkin.code, 0, zipkin.stderr);
  assert.match(zipkin.stdout, /^http:\/\/127\.93\.\d+\.\d+:9411\n$/);
  const url = zipkin.stdout.trim();
  const span = { traceId: '463ac35c9f6413ad48485a3953bb6124', id: 'a2fb4a1d1a96d312', name: 'get', kind: 'SERVER',
    timestamp: Date.now() * 1000, duration: 1200, localEndpoint: { serviceName: 'echo.default' } };
  const posted = await fetch(`${url}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([span]) });
  assert.equal(posted.status, 202);
  assert.deepEqual(await (await fetch(`${url}/api/v2/services`)).json(), ['echo.default']);
  // Pilot sees the collector as the Service zipkin.istio-system: the sidecars get a cluster for it.
  const pod = state.pods[0]!;
  await waitFor('a zipkin cluster in the sidecar', 15_000, async () => {
    const dump = await (await fetch(`http://${pod.podIp}:${pod.adminPort}/config_dump`)).text();
    return dump.includes('outbound|9411||zipkin.istio-system.svc.cluster.local') ? true : undefined;
  }, 200);

  await t.test('Prometheus scrapes the proxies and pilot', async (st) => {
    if (!findOnPath('prometheus')) {
      assert.match(mesh.output(), /prometheus is not on PATH: running without it/);
      const none = await run(['dashboard', 'prometheus']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /^Error: no prometheus pods found in the local mesh/);
      st.skip('prometheus is not on PATH');
      return;
    }
    const prom = await run(['dashboard', 'prometheus']);
    assert.equal(prom.code, 0, prom.stderr);
    const promUrl = prom.stdout.trim();
    assert.match(promUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const envoyTargets = async (): Promise<{ up: Target[]; all: Target[]; pilotUp: boolean }> => {
      const body = await (await fetch(`${promUrl}/api/v1/targets?state=active`)).json() as { data: { activeTargets: Target[] } };
      const all = body.data.activeTargets.filter((x) => x.labels['job'] === 'envoy-stats');
      const pilotUp = body.data.activeTargets.some((x) => x.labels['job'] === 'pilot' && x.health === 'up');
      return { up: all.filter((x) => x.health === 'up'), all, pilotUp };
    };
    const targets = await waitFor('every proxy\'s 15090 and pilot to be up in Prometheus', 30_000, async () => {
      const now = await envoyTargets();
      return now.up.length === state.pods.length && now.pilotUp ? now.up : undefined;
    }, 500);
    assert.deepEqual(targets.map((x) => x.scrapeUrl).sort(), state.pods.map((p) => `http://${p.podIp}:15090/stats/prometheus`).sort());
    for (const x of targets) {
      const p = state.pods.find((q) => x.scrapeUrl.includes(`//${q.podIp}:`))!;
      assert.deepEqual({ namespace: x.labels['namespace'], pod: x.labels['pod'], app: x.labels['app'], version: x.labels['version'] },
        { namespace: 'default', pod: p.name, app: 'echo', version: 'v1' });
    }
    // Pods come and go: the targets follow.
    const extra = join(dir, 'extra.yaml');
    writeFileSync(extra, ECHO.replace(/(name|app): echo/g, '$1: extra').replace('replicas: 2', 'replicas: 1'));
    const applied = await run(['apply', '-f', extra]);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    await waitFor('the new pod\'s target', 20_000, async () => ((await envoyTargets()).all.some((x) => x.labels['app'] === 'extra') ? true : undefined), 500);
    const deleted = await run(['delete', '-f', extra]);
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr);
    await waitFor('the deleted pod\'s target to go', 20_000, async () => ((await envoyTargets()).all.some((x) => x.labels['app'] === 'extra') ? undefined : true), 500);
  });

  const down = await run(['down']);
  assert.equal(down.code, 0, down.stderr);
  await waitFor('strait up to exit', 15_000, () => (up.exitCode !== null ? true : undefined));
  const pgrep = await new Promise<string>((r) => execFile('pgrep', ['-f', home], (_e, so) => r(so)));
  assert.equal(pgrep.trim(), '', 'no process of the mesh is left');
  assert.equal((await fetch(`${url}/health`).catch(() => undefined)), undefined, 'the collector stopped');
});

test('strait dashboard zipkin when the mesh runs without addons: one line, exit 1', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'strait-addons-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  // A mesh.json as `strait up` without --addons writes it (its pid: this live process).
  const state: MeshState = { pid: process.pid, controlUrl: 'http://127.0.0.1:1', xdsAddress: '127.0.0.1:1', monitoringAddress: '127.0.0.1:1',
    configDir: home, ingressAddress: '', ingressPorts: [], pods: [], addons: {} };
  writeFileSync(join(home, 'mesh.json'), JSON.stringify(state));
  for (const name of ['zipkin', 'prometheus']) {
    const r = await straitWithHome(home, ['dashboard', name]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^Error: no ${name} pods found in the local mesh \\(start it with \`strait up --addons\`.*\\)\n$`));
  }
  // The dashboard's views are the mesh's own: a mesh.json without one (an older strait's) says so.
  for (const args of [['dashboard'], ['dashboard', 'kiali']]) {
    const r = await straitWithHome(home, args);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Error: the running mesh serves no dashboard (it was started by an older strait)\n']);
  }
  writeFileSync(join(home, 'mesh.json'), JSON.stringify({ ...state, dashboard: 'http://127.0.0.1:20001' }));
  assert.equal((await straitWithHome(home, ['dashboard', 'jaeger'])).stdout, 'http://127.0.0.1:20001/#/traces\n');
  const unknown = await straitWithHome(home, ['dashboard', 'graphana']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^Error: unknown dashboard "graphana" \(one of kiali, grafana, jaeger, envoy, controlz, zipkin, prometheus, skywalking\)\n$/);
});
