// The book's chapter 2 on `strait up`: the built-in demo answers /api/catalog through gateway ->
// webapp -> catalog, then chaos + retries, catalog v2, subsets and the dark launch, with the ch2
// files and services/ manifests unmodified; `strait down` leaves no process behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { curl } from './lib/curl.js';
import { newHome, startMesh } from './lib/strait-up.js';
import { waitFor } from './lib/wait.js';
import type { MeshState } from '../src/mesh/local/state.js';
import { BOOK_DIR } from '../samples/book-corpus.js';

const BOOK = BOOK_DIR;

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('strait up runs the book\'s chapter 2', { timeout: 240_000 }, async (t) => {
  const home = newHome('strait-up-');
  const startedAt = Date.now();
  const mesh = await startMesh(t, home, ['--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0'], 60_000);
  const up = mesh.proc;
  t.diagnostic(`strait up ready in ${Date.now() - startedAt} ms: ${/mesh ready in [\d.]+ s/.exec(mesh.output())?.[0]}`);
  const state = mesh.state;
  const url = `http://${state.ingressAddress}/api/catalog`;
  const run = mesh.run;
  const applyBook = async (file: string): Promise<void> => {
    const r = await run(['apply', '-f', join(BOOK, file), '-n', 'istioinaction']);
    assert.equal(r.code, 0, `apply ${file}: ${r.stderr}`);
  };
  const webapp = state.pods.find((p) => p.deployment === 'webapp')!;
  /** Waits until the webapp sidecar's config carries `re` (the push reached it). */
  const sidecarHas = (re: RegExp): Promise<boolean> => waitFor(`webapp's sidecar config to match ${re}`, 15_000, async () => {
    const dump = await (await fetch(`http://${webapp.podIp}:${webapp.adminPort}/config_dump`)).text();
    return re.test(dump) ? true : undefined;
  }, 100);
  const calls = async (n: number, args: string[] = []): Promise<{ ok: number; withImage: number }> => {
    let ok = 0;
    let withImage = 0;
    for (let i = 0; i < n; i++) {
      const r = await curl(url, args);
      if (r.status === 200) ok++;
      if (r.status === 200 && /imageUrl/.test(r.body)) withImage++;
    }
    return { ok, withImage };
  };

  // Gateway -> webapp -> catalog: the four items, each hop through a Strait proxy.
  const first = await curl(url);
  assert.equal(first.status, 200, first.body);
  assert.equal((JSON.parse(first.body) as unknown[]).length, 4);
  assert.equal(first.headers['server'], 'istio-envoy');
  const pods = await run(['get', 'pods', '-n', 'istioinaction']);
  assert.match(pods.stdout, /^catalog-\w+\s+2\/2\s+Running/m);

  // 1. chaos: about half fail; with ch2's VirtualService (3 retries on 5xx) a call fails only when all
  // four attempts do: 1 - 0.5^4 = 93.75% succeed on average (sd 2.4 over 100 calls).
  const chaos = await run(['chaos', 'catalog', '500', '50']);
  assert.equal(chaos.code, 0, chaos.stderr);
  const broken = await calls(100);
  t.diagnostic(`chaos 500 50: ${broken.ok}/100 succeed`);
  assert.ok(broken.ok >= 20 && broken.ok <= 80, `${broken.ok}/100 succeeded under chaos`);
  await applyBook('ch2/catalog-virtualservice.yaml');
  await sidecarHas(/"retry_?[oO]n"\s*:\s*"5xx"/);
  const retried = await calls(100);
  t.diagnostic(`with retries: ${retried.ok}/100 succeed`);
  assert.ok(retried.ok >= 85, `${retried.ok}/100 succeeded with retries`);
  assert.equal((await run(['chaos', 'catalog', '500', 'delete'])).code, 0);

  // 2. catalog v2: some responses carry imageUrl; all-v1 routes none there; dark-v2 by header only.
  await applyBook('services/catalog/kubernetes/catalog-deployment-v2.yaml');
  await applyBook('ch2/catalog-destinationrule.yaml');
  await waitFor('a catalog v2 answer', 20_000, async () => ((await calls(1)).withImage > 0 ? true : undefined), 20);
  await applyBook('ch2/catalog-virtualservice-all-v1.yaml');
  await sidecarHas(/outbound\|80\|version-v1\|catalog\.istioinaction\.svc\.cluster\.local/);
  await waitFor('the all-v1 route', 10_000, async () => ((await calls(5)).withImage === 0 ? true : undefined), 100);
  assert.deepEqual(await calls(30), { ok: 30, withImage: 0 });
  await applyBook('ch2/catalog-virtualservice-dark-v2.yaml');
  await sidecarHas(/x-dark-launch/);
  assert.deepEqual(await calls(20, ['-H', 'x-dark-launch: v2']), { ok: 20, withImage: 20 });
  assert.deepEqual(await calls(20), { ok: 20, withImage: 0 });

  // 3. istioctl's view of the gateway: the book's row.
  const pc = await run(['proxy-config', 'routes', 'deploy/istio-ingressgateway', '-n', 'istio-system']);
  assert.equal(pc.code, 0, pc.stderr);
  const rows = pc.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
  assert.ok(rows.some((r) => r[0] === 'http.8080' && r.includes('*') && r.includes('/*') && r.at(-1) === 'webapp-virtualservice.istioinaction'),
    `no book row in:\n${pc.stdout}`);
  // Every pod has its workload certificate from the mesh CA, as istioctl shows it.
  const secret = await run(['proxy-config', 'secret', 'deploy/catalog', '-n', 'istioinaction']);
  assert.equal(secret.code, 0, secret.stderr);
  const secretRows = secret.stdout.trim().split('\n').map((l) => l.trim().split(/ {2,}/));
  assert.deepEqual(secretRows[0], ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE']);
  assert.deepEqual(secretRows.slice(1).map((r) => r.slice(0, 4)).sort(), [['ROOTCA', 'CA', 'ACTIVE', 'true'], ['default', 'Cert Chain', 'ACTIVE', 'true']]);
  const ps = await run(['proxy-status']);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /^istio-ingressgateway-\w+\.istio-system\s+Kubernetes\s+SYNCED/m);

  const verify = await run(['verify-install']);
  assert.equal(verify.code, 0, verify.stdout);
  assert.match(verify.stdout, /^✔ Deployment: istio-ingressgateway\.istio-system checked successfully$/m);
  assert.match(verify.stdout, /^✔ Strait is installed and verified successfully$/m);
  const version = await run(['version']);
  assert.match(version.stdout, /^control plane version: \S+$/m);
  assert.match(version.stdout, /^data plane version: \S+ \(6 proxies\)$/m);
  const dash = await run(['dashboard', 'envoy', 'deploy/catalog', '-n', 'istioinaction']);
  assert.match(dash.stdout, /^http:\/\/127\.77\.\d+\.\d+:15000$/m);
  assert.equal((await fetch(`${dash.stdout.trim()}/server_info`)).status, 200);

  // down: the mesh and every pod process stop.
  const live = (JSON.parse(readFileSync(join(home, 'mesh.json'), 'utf8')) as MeshState).pods;
  assert.equal(live.filter((p) => p.deployment.startsWith('catalog')).length, 2);
  const down = await run(['down']);
  assert.equal(down.code, 0, down.stderr);
  await waitFor('strait up to exit', 15_000, () => (up.exitCode !== null ? true : undefined));
  const pgrep = await new Promise<string>((r) => execFile('pgrep', ['-f', home], (_e, so) => r(so)));
  assert.equal(pgrep.trim(), '', 'no process of the mesh is left');
  assert.equal(alive(state.pid), false);
  const none = await run(['get', 'pods']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no local mesh is running/);
});
