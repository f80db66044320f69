// End to end on loopback: the discovery server, an ingress gateway as a `strait proxy` process and
// an app behind it, and two test ADS clients (one withholds its ACKs, one NACKs). A VirtualService
// pilot cannot translate (`retries.attempts: many` passes validation but is no uint32) is left out:
// a valid change made with it still reaches the gateway, pilot_total_xds_internal_errors counts it,
// and `strait proxy-status` and `strait analyze` (against a mesh.json naming this pilot) report it.
// And `strait pilot` skips, logs and counts an invalid object of its watched directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyBootstrap } from '../src/mesh/agent/bootstrap.js';
import type { MeshState } from '../src/mesh/local/state.js';
import { DiscoveryServer } from '../src/pilot/server/discovery-server.js';
import { FeedSource, TestAdsProxy, yamlObjects } from '../src/pilot/server/test-support.js';
import { defaultTranslators } from '../src/pilot/xds/default-translators.js';
import { defaultMeshConfig } from '../src/pilot/model/mesh-config.js';
import { CLUSTER_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../src/xds/server/index.js';
import { curl } from './lib/curl.js';
import { catalogWorkloadYaml } from './lib/catalog-gateway-mesh.js';
import { startPilot } from './lib/pilot-process.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { straitWithHome } from './lib/strait-cli.js';
import { waitFor } from './lib/wait.js';

const GATEWAY_IP = '127.67.0.10';
const APP_IP = '127.67.0.1';

const MESH = `${catalogWorkloadYaml('catalog-0', APP_IP)}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: catalog-gateway, namespace: istioinaction }
spec: { selector: { istio: ingressgateway }, servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }] }
`;

const catalogVs = (rev: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: catalog, namespace: istioinaction }
spec:
  hosts: [catalog.example.com]
  gateways: [catalog-gateway]
  http: [{ route: [{ destination: { host: catalog } }], headers: { response: { set: { x-rev: "${rev}" } } } }]
`;

/** Bound to the same gateway (so in the same route configuration as catalog's); `many` is no uint32. */
const BROKEN_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: broken, namespace: istioinaction }
spec:
  hosts: [broken.example.com]
  gateways: [catalog-gateway]
  http: [{ route: [{ destination: { host: catalog } }], retries: { attempts: many } }]
`;

const ROUTER = (pod: string): string => `router~127.67.0.20~${pod}.istio-system~istio-system.svc.cluster.local`;
const ROUTER_MD = { NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } };
const SUBSCRIPTIONS = [{ typeUrl: CLUSTER_TYPE }, { typeUrl: LISTENER_TYPE }, { typeUrl: ROUTE_TYPE, names: ['http.8080'] }];

test('a VirtualService pilot cannot translate is left out; the rest is pushed, counted and reported', { timeout: 90_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'strait-pilot-bad-'));
  const configDir = join(home, 'config');
  mkdirSync(configDir);
  const files: Record<string, string> = { 'mesh.yaml': MESH, 'catalog-vs.yaml': catalogVs('1') };
  for (const [f, text] of Object.entries(files)) writeFileSync(join(configDir, f), text);
  const feed = new FeedSource(Object.entries(files).flatMap(([f, text]) => yamlObjects(text, f)));
  const logs: string[] = [];
  // No auto mTLS, as `strait pilot` runs by default (Strait has no SDS yet).
  const ds = new DiscoveryServer({ source: feed, translators: defaultTranslators, mesh: { ...defaultMeshConfig(), enableAutoMtls: false }, xdsPort: 0, monitoringPort: 0,
    debounceAfterMs: 20, debounceMaxMs: 500, log: (level, msg) => { if (level !== 'debug') logs.push(`${level} ${msg}`); } });
  await ds.start();
  const app = http.createServer((req, res) => res.end(`catalog ${req.url}`));
  await new Promise<void>((r) => app.listen(3000, APP_IP, r));
  const clients: TestAdsProxy[] = [];
  let gateway: RunningProxy | undefined;
  t.after(async () => {
    await gateway?.stop();
    await Promise.all(clients.map((c) => c.close()));
    await new Promise((r) => app.close(r));
    await ds.close();
    rmSync(home, { recursive: true, force: true });
  });

  gateway = await startProxy(JSON.stringify(proxyBootstrap({ type: 'router', podName: 'istio-ingressgateway-0', namespace: 'istio-system',
    podIp: GATEWAY_IP, labels: { istio: 'ingressgateway' }, xdsHost: '127.0.0.1', xdsPort: ds.xdsPort })));
  const withholds = new TestAdsProxy(ds.xdsPort, ROUTER('withholds-acks'), ROUTER_MD, SUBSCRIPTIONS);
  const rejects = new TestAdsProxy(ds.xdsPort, ROUTER('rejects'), ROUTER_MD, SUBSCRIPTIONS);
  clients.push(withholds, rejects);
  let last: string | undefined;
  /** The x-rev header of an answer from the gateway for `host` (its status when not 200). */
  const revOf = async (host: string): Promise<string | undefined> => {
    const r = await curl(`http://${GATEWAY_IP}:8080/items`, ['-H', `host: ${host}`], 5).catch((e: Error) => e);
    last = r instanceof Error ? r.message : r.status === 200 ? r.headers['x-rev'] ?? '' : String(r.status);
    return last;
  };
  await waitFor('the gateway serving catalog', 20_000, async () => ((await revOf('catalog.example.com')) === '1' || undefined))
    .catch((e: Error) => { throw new Error(`${e.message} (last: ${last})\n${logs.join('\n')}\n${gateway?.output()}`); });
  await waitFor('the test clients synced', 5000, () => (withholds.latest.has(ROUTE_TYPE) && rejects.latest.has(ROUTE_TYPE)) || undefined);

  // The broken VirtualService arrives with a valid change to another one in the same route configuration.
  withholds.acking = false;
  rejects.nackNext(ROUTE_TYPE);
  files['broken-vs.yaml'] = BROKEN_VS;
  files['catalog-vs.yaml'] = catalogVs('2');
  for (const f of ['broken-vs.yaml', 'catalog-vs.yaml']) writeFileSync(join(configDir, f), files[f]!);
  feed.put(...yamlObjects(BROKEN_VS, 'broken-vs.yaml'), ...yamlObjects(catalogVs('2'), 'catalog-vs.yaml'));
  await waitFor('the catalog change at the gateway', 10_000, async () => ((await revOf('catalog.example.com')) === '2' || undefined))
    .catch((e: Error) => { throw new Error(`${e.message} (last: ${last})\n${logs.join('\n')}`); });
  assert.equal(await revOf('broken.example.com'), '404', 'the broken VirtualService has no routes');
  const metrics = await (await fetch(`http://127.0.0.1:${ds.monitoringPort}/metrics`)).text();
  const internal = Number(/^pilot_total_xds_internal_errors (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(internal >= 1, `pilot_total_xds_internal_errors ${internal}`);
  assert.ok(logs.some((l) => l.startsWith('warn pilot: skipping VirtualService istioinaction/broken (broken-vs.yaml:1)')), logs.join('\n'));

  // strait proxy-status and strait analyze, against a mesh.json that names this pilot.
  const state: MeshState = { pid: process.pid, controlUrl: 'http://127.0.0.1:1', xdsAddress: `127.0.0.1:${ds.xdsPort}`,
    monitoringAddress: `127.0.0.1:${ds.monitoringPort}`, configDir, ingressAddress: '', ingressPorts: [], pods: [], addons: {} };
  writeFileSync(join(home, 'mesh.json'), JSON.stringify(state));
  const columns = (stdout: string): Map<string, string[]> =>
    new Map(stdout.trim().split('\n').slice(1).map((l) => l.split(/ {2,}/)).map((c) => [c[0]!, c.slice(2, 6)]));
  const ps = await waitFor('proxy-status to show both test clients answered', 10_000, async () => {
    const r = await straitWithHome(home, ['proxy-status']);
    const rows = columns(r.stdout);
    return rows.get('withholds-acks.istio-system')?.[3] === 'STALE' && rows.get('rejects.istio-system')?.[3] === 'NACKED' ? { r, rows } : undefined;
  });
  assert.equal(ps.r.code, 0, ps.r.stderr);
  assert.deepEqual(ps.rows.get('istio-ingressgateway-0.istio-system'), ['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED'], ps.r.stdout);
  assert.match(ps.r.stderr, /^rejects\.istio-system: RDS NACKED: rejected: test proxy rejects this$/m);
  assert.match(ps.r.stderr, /^VirtualService istioinaction\/broken \(broken-vs\.yaml:1\): left out of the config pushed to proxies: .*invalid uint32: NaN$/m);

  const an = await straitWithHome(home, ['analyze', '-n', 'istioinaction']);
  assert.equal(an.code, 79, an.stderr);
  assert.match(an.stdout, new RegExp(`^Error \\[IST0001\\] \\(VirtualService istioinaction/broken ${join(configDir, 'broken-vs.yaml').replace(/[.]/g, '\\.')}:1\\) ` +
    'Internal error: pilot could not translate this resource and leaves it out of the config it pushes to proxies: ' +
    'route\\.retry_policy\\.num_retries: .*invalid uint32: NaN$', 'm'));
  assert.doesNotMatch(an.stdout, /VirtualService istioinaction\/catalog/, 'the valid VirtualService has no finding');
});

test('strait pilot: an invalid object in the watched directory is skipped, logged with its file and object, and counted', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-pilot-invalid-'));
  writeFileSync(join(dir, 'mesh.yaml'), MESH);
  writeFileSync(join(dir, 'bad-vs.yaml'), catalogVs('1').replace('destination: { host: catalog } }', 'destination: { host: catalog }, weight: -1 }'));
  const pilot = await startPilot(dir);
  t.after(async () => {
    await pilot.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const metrics = await pilot.monitoring('/metrics');
  assert.match(metrics, /^galley_validation_failed\{group="networking\.istio\.io",version="v1",resource="virtualservices",reason="invalid_resource"\} 1$/m);
  assert.match(pilot.output(), /\twarn\tconfig: bad-vs\.yaml:7: VirtualService istioinaction\/catalog: spec\.http\[0\]\.route\[0\]\.weight: weight -1 < 0 \(not admitted\)\n/);
  const configz = JSON.parse(await pilot.monitoring('/debug/configz')) as { kind: string }[];
  assert.deepEqual(configz.map((o) => o.kind).sort(), ['Gateway', 'Pod', 'Service']);
});
