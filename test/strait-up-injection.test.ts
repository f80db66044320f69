// Sidecar injection and mesh-wide STRICT mTLS on `strait up` (the book's chapter 9): sleep in `default` (no
// injection label) runs without a sidecar and reaches webapp in plaintext through the service proxy under PERMISSIVE;
// STRICT refuses it while ingress -> webapp -> catalog keeps working over mTLS; labelled, `default` gets sidecars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { curl } from './lib/curl.js';
import { straitWithHome } from './lib/strait-cli.js';
import { newHome, startMesh } from './lib/strait-up.js';
import { waitFor } from './lib/wait.js';
import type { MeshState, PodState } from '../src/mesh/local/state.js';
import { BOOK_DIR } from '../samples/book-corpus.js';

const STRICT = `apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: STRICT
`;

const refused = (host: string, port: number): Promise<boolean> => new Promise((resolve) => {
  const c = net.connect({ host, port }, () => { c.destroy(); resolve(false); });
  c.once('error', () => resolve(true));
});

test('strait up: pods outside an injected namespace have no sidecar; STRICT mTLS refuses them', { timeout: 170_000 }, async (t) => {
  const home = newHome('strait-inject-');
  // The default profile (the ingress gateway, no egress gateway) and the built-in demo.
  assert.equal((await straitWithHome(home, ['install', '--set', 'profile=default', '-y'])).code, 0);
  const mesh = await startMesh(t, home, ['--pod-network', '127.97', '--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0'], 90_000);
  const { run } = mesh;
  const pods = (): PodState[] => (JSON.parse(readFileSync(join(home, 'mesh.json'), 'utf8')) as MeshState).pods;
  const sleepYaml = join(BOOK_DIR, '..', 'sleep', 'sleep.yaml');
  const catalogUrl = ['http://webapp.istioinaction/api/catalog'];
  const execCurl = (pod: string, ns: string, args: string[]): ReturnType<typeof run> =>
    run(['exec', pod, '-n', ns, '--', 'curl', '-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', ...args]);
  /** istio_requests_total lines of a pod's proxy with all of `labels`. */
  const requests = async (p: PodState, labels: string[]): Promise<number> => {
    const text = await (await fetch(`http://${p.podIp}:15090/stats/prometheus`)).text();
    return text.split('\n').filter((l) => l.startsWith('istio_requests_total{') && labels.every((x) => l.includes(x)))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };

  // The book's ch9: sleep in default, which no label enables.
  const applied = await run(['apply', '-f', sleepYaml, '-n', 'default']);
  assert.equal(applied.code, 0, applied.stderr);
  const listed = await run(['get', 'pods', '-n', 'default']);
  assert.match(listed.stdout, /^sleep-\w+\s+1\/1\s+Running/m, listed.stdout);
  assert.match((await run(['get', 'pods', '-n', 'istioinaction'])).stdout, /^webapp-\w+\s+2\/2\s+Running/m);
  const sleep = pods().find((p) => p.deployment === 'sleep')!;
  assert.equal(sleep.type, 'app');
  assert.equal(sleep.labels['security.istio.io/tlsMode'], undefined);
  assert.ok(await refused(sleep.podIp, 15000), 'no proxy admin on the sleep pod');
  const podFile = readdirSync(join(mesh.state.configDir)).find((f) => f.startsWith(`Pod.default.${sleep.name}`))!;
  const podObject = parse(readFileSync(join(mesh.state.configDir, podFile), 'utf8')) as { metadata: { labels: Record<string, string> } };
  assert.deepEqual(podObject.metadata.labels, { app: 'sleep' });
  const proxyConfig = await run(['proxy-config', 'listeners', 'deploy/sleep', '-n', 'default']);
  assert.equal(proxyConfig.code, 1);
  assert.match(proxyConfig.stderr, /has no sidecar \(not injected\)/);

  // PERMISSIVE (the default): plaintext from sleep is accepted by webapp's sidecar.
  const webapp = pods().find((p) => p.deployment === 'webapp')!;
  const catalog = pods().find((p) => p.deployment === 'catalog')!;
  const plain = await execCurl('deploy/sleep', 'default', catalogUrl);
  assert.deepEqual([plain.code, plain.stdout], [0, '200'], plain.stderr);
  assert.ok(await requests(webapp, ['reporter="destination"', 'source_workload="unknown"', 'connection_security_policy="none"', 'response_code="200"']) >= 1,
    'webapp saw a plaintext request from outside the mesh');

  // Mesh-wide STRICT: sleep's plaintext is refused at webapp's sidecar, and curl sees it.
  const strictFile = join(home, 'strict.yaml');
  writeFileSync(strictFile, STRICT);
  const strict = await run(['apply', '-f', strictFile]);
  assert.equal(strict.code, 0, strict.stderr);
  const failed = await waitFor('STRICT to refuse plaintext', 20_000, async () => {
    const r = await execCurl('deploy/sleep', 'default', catalogUrl);
    return r.code !== 0 ? r : undefined;
  }, 200);
  t.diagnostic(`under STRICT: curl exit ${failed.code}: ${failed.stderr.trim()}`);
  assert.notEqual(failed.stdout, '200');
  assert.equal(failed.code, 56, failed.stderr);
  assert.match(failed.stderr, /Connection reset by peer/);
  for (let i = 0; i < 3; i++) assert.notEqual((await execCurl('deploy/sleep', 'default', catalogUrl)).code, 0);

  // Inside the mesh nothing changes: ingress -> webapp -> catalog, each hop over mTLS.
  const before = await requests(catalog, ['reporter="destination"', 'source_workload="webapp"', 'connection_security_policy="mutual_tls"', 'response_code="200"']);
  const viaIngress = await curl(`http://${mesh.state.ingressAddress}/api/catalog`);
  assert.equal(viaIngress.status, 200, viaIngress.body);
  assert.equal((JSON.parse(viaIngress.body) as unknown[]).length, 4);
  assert.equal(await requests(catalog, ['reporter="destination"', 'source_workload="webapp"', 'connection_security_policy="mutual_tls"', 'response_code="200"']), before + 1);
  const inMesh = await execCurl('deploy/webapp', 'istioinaction', ['http://catalog.istioinaction/items']);
  assert.deepEqual([inMesh.code, inMesh.stdout], [0, '200'], inMesh.stderr);

  // kubectl label: default enabled, a new sleep pod gets a sidecar and talks mTLS under STRICT.
  const labelled = await run(['label', 'namespace', 'default', 'istio-injection=enabled']);
  assert.deepEqual([labelled.code, labelled.stdout], [0, 'namespace/default labeled\n'], labelled.stderr);
  const again = await run(['label', 'namespace', 'default', 'istio-injection=disabled']);
  assert.deepEqual([again.code, again.stderr], [1, 'error: \'istio-injection\' already has a value (enabled), and --overwrite is false\n']);
  assert.match((await run(['get', 'pods', '-n', 'default'])).stdout, /^sleep-\w+\s+1\/1\s+Running/m, 'running pods keep what they were given');
  assert.equal((await run(['delete', '-f', sleepYaml, '-n', 'default'])).code, 0);
  assert.equal((await run(['apply', '-f', sleepYaml, '-n', 'default'])).code, 0);
  assert.match((await run(['get', 'pods', '-n', 'default'])).stdout, /^sleep-\w+\s+2\/2\s+Running/m);
  const injected = await execCurl('deploy/sleep', 'default', catalogUrl);
  assert.deepEqual([injected.code, injected.stdout], [0, '200'], injected.stderr);
});
