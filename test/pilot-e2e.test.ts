// End to end on loopback: `strait pilot` over a watched config directory, an ingress gateway and
// two catalog sidecars (v1, v2) as `strait proxy` processes with mesh bootstraps, and the apps
// behind them. A VirtualService edit moves all traffic to v2 within a second, with no failed request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyBootstrap, type ProxyBootstrapOptions } from '../src/mesh/agent/bootstrap.js';
import { startLoad } from './lib/load.js';
import { startProxy, STRAIT_BIN, terminate, type RunningProxy } from './lib/proxy-process.js';
import { freePort } from './lib/sandbox.js';
import { waitFor } from './lib/wait.js';

const GATEWAY_IP = '127.66.0.10';
const PODS = [
  { name: 'catalog-v1-0', version: 'v1', ip: '127.66.0.1', app: '127.66.1.1' },
  { name: 'catalog-v2-0', version: 'v2', ip: '127.66.0.2', app: '127.66.1.2' },
];

const mesh = (pods = PODS): string => [
  `apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: istioinaction }
spec: { selector: { app: catalog }, ports: [{ name: http, port: 80, targetPort: 3000 }] }`,
  ...pods.map((p) => `apiVersion: v1
kind: Pod
metadata: { name: ${p.name}, namespace: istioinaction, labels: { app: catalog, version: ${p.version} } }
spec: { containers: [{ name: catalog, image: istioinaction/catalog, ports: [{ containerPort: 3000 }] }] }
status: { podIP: ${p.ip}, phase: Running, conditions: [{ type: Ready, status: "True" }] }`),
  `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: { name: catalog, namespace: istioinaction }
spec: { host: catalog, subsets: [{ name: version-v1, labels: { version: v1 } }, { name: version-v2, labels: { version: v2 } }] }`,
  `apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: { name: catalog-gateway, namespace: istioinaction }
spec: { selector: { istio: ingressgateway }, servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }] }`,
].join('\n---\n');

const virtualService = (subset: string): string => `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: catalog-gateway, namespace: istioinaction }
spec:
  hosts: ["*"]
  gateways: [catalog-gateway]
  http: [{ route: [{ destination: { host: catalog, subset: ${subset} } }] }]
`;

function startApp(host: string, name: string): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
    res.end(JSON.stringify({ name, path: req.url, host: req.headers.host }));
  });
  return new Promise((resolve, reject) => { s.once('error', reject); s.listen(3000, host, () => resolve(s)); });
}

test('a VirtualService change moves gateway traffic from v1 to v2 in under a second, no request failing', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-pilot-e2e-'));
  writeFileSync(join(dir, 'mesh.yaml'), mesh());
  writeFileSync(join(dir, 'catalog-vs.yaml'), virtualService('version-v1'));
  const xdsPort = await freePort();
  const monPort = await freePort();
  const pilot = spawn(process.execPath, [STRAIT_BIN, 'pilot', '--config-dir', dir, '--xds-port', String(xdsPort),
    '--monitoring-port', String(monPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let pilotOut = '';
  pilot.stdout!.on('data', (d) => { pilotOut += d; });
  pilot.stderr!.on('data', (d) => { pilotOut += d; });
  const apps = await Promise.all(PODS.map((p) => startApp(p.app, `catalog-${p.version}`)));
  const proxies: RunningProxy[] = [];
  t.after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(apps.map((a) => new Promise((r) => a.close(r))));
    if (pilot.exitCode === null) await terminate(pilot);
    rmSync(dir, { recursive: true, force: true });
  });
  const metrics = (): Promise<string> => fetch(`http://127.0.0.1:${monPort}/metrics`).then((r) => r.text());
  await waitFor(`pilot to listen\n${pilotOut}`, 15_000, () => metrics().then(() => true, () => undefined));

  const boot = (o: Omit<ProxyBootstrapOptions, 'xdsHost' | 'xdsPort'>): string =>
    JSON.stringify(proxyBootstrap({ ...o, xdsHost: '127.0.0.1', xdsPort }));
  for (const p of PODS) {
    proxies.push(await startProxy(boot({ type: 'sidecar', podName: p.name, namespace: 'istioinaction', podIp: p.ip,
      appAddress: p.app, labels: { app: 'catalog', version: p.version }, serviceAccount: 'catalog' })));
  }
  proxies.push(await startProxy(boot({ type: 'router', podName: 'istio-ingressgateway-0', namespace: 'istio-system', podIp: GATEWAY_IP,
    labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } })));

  const url = `http://${GATEWAY_IP}:8080/items`;
  const upstreamOf = async (): Promise<string | undefined> => {
    const r = await fetch(url).catch(() => undefined);
    return r?.status === 200 ? r.headers.get('x-upstream') ?? undefined : undefined;
  };
  assert.equal(await waitFor('gateway -> catalog v1', 20_000, upstreamOf).catch((e: Error) => {
    throw new Error(`${e.message}\npilot:\n${pilotOut}\n${proxies.map((p) => p.output()).join('\n')}`);
  }), 'catalog-v1');

  const load = startLoad(() => url, 100, 60_000);
  await load.more(50);
  const tmp = join(dir, '.catalog-vs.yaml.tmp');
  writeFileSync(tmp, virtualService('version-v2'));
  const changedAt = Date.now();
  renameSync(tmp, join(dir, 'catalog-vs.yaml'));
  const switched = await waitFor('all traffic on v2', 10_000, () => {
    const s = load.since(changedAt);
    const firstV2 = s.find((x) => x.upstream === 'catalog-v2');
    return firstV2 && s.filter((x) => x.sent > firstV2.sent).length >= 20 ? firstV2.sent : undefined;
  });
  await load.more(50);
  await load.stop();
  const afterSwitch = load.since(switched + 1);
  assert.deepEqual([...new Set(afterSwitch.map((s) => s.upstream))], ['catalog-v2'], 'after the first request v2 answered, only v2 answers');
  t.diagnostic(`the first request v2 answered was sent ${switched - changedAt} ms after the file changed; ${load.samples.length} requests`);
  assert.ok(switched - changedAt < 1000, `v2 took ${switched - changedAt} ms`);
  assert.deepEqual(load.failures, []);

  const text = await metrics();
  assert.match(text, /^pilot_xds_pushes\{type="rds"\} [1-9]/m);
  assert.match(text, /^pilot_proxy_convergence_time_count [1-9]/m);

  // An endpoint change (the v1 pod goes away) is an EDS-only push: endpoints are sent, clusters are not.
  const count = (t: string, type: string): number => Number(new RegExp(`^pilot_xds_pushes\\{type="${type}"\\} (\\d+)`, 'm').exec(t)?.[1] ?? 0);
  const before = { cds: count(text, 'cds'), eds: count(text, 'eds') };
  writeFileSync(tmp, mesh(PODS.filter((p) => p.version === 'v2')));
  renameSync(tmp, join(dir, 'mesh.yaml'));
  const after = await waitFor('an EDS push', 10_000, async () => {
    const t = await metrics();
    return count(t, 'eds') > before.eds ? t : undefined;
  });
  assert.equal(count(after, 'cds'), before.cds, 'no clusters are resent for an endpoint change');
  assert.equal(await upstreamOf(), 'catalog-v2');
  const syncz = await (await fetch(`http://127.0.0.1:${monPort}/debug/syncz`)).json() as Record<string, string>[];
  assert.equal(syncz.length, 3);
});
