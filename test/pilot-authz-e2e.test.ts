// AuthorizationPolicy end to end on loopback: `strait pilot` over a watched directory holding the
// book's ch9 gateway policy, an ingress gateway and a catalog sidecar as `strait proxy` processes;
// curl through the gateway is allowed or refused (403 `RBAC: access denied`), and a DENY policy
// written while running reaches the catalog sidecar's inbound listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyBootstrap, type ProxyBootstrapOptions } from '../src/mesh/agent/bootstrap.js';
import { curl } from './lib/curl.js';
import { REPO_ROOT, startProxy, STRAIT_BIN, terminate, type RunningProxy } from './lib/proxy-process.js';
import { freePort } from './lib/sandbox.js';
import { waitFor } from './lib/wait.js';

const GATEWAY_IP = '127.67.0.10';
const CATALOG = { name: 'catalog-0', ip: '127.67.0.1', app: '127.67.1.1' };
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'book-ch9');

const mesh = `apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: istioinaction }
spec: { selector: { app: catalog }, ports: [{ name: http, port: 80, targetPort: 3000 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: ${CATALOG.name}, namespace: istioinaction, labels: { app: catalog } }
spec: { containers: [{ name: catalog, image: istioinaction/catalog, ports: [{ containerPort: 3000 }] }] }
status: { podIP: ${CATALOG.ip}, phase: Running, conditions: [{ type: Ready, status: "True" }] }
---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: { name: coolstore-gateway, namespace: istioinaction }
spec: { selector: { istio: ingressgateway }, servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }] }
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: catalog, namespace: istioinaction }
spec:
  hosts: ["*"]
  gateways: [coolstore-gateway]
  http: [{ route: [{ destination: { host: catalog } }] }]
`;

const denySecret = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-secrets, namespace: istioinaction }
spec:
  selector: { matchLabels: { app: catalog } }
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/items/secret*"] } }] }]
`;

test('the ch9 gateway policy allows GET webapp.istioinaction.io only; a DENY policy added later reaches the sidecar', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-authz-e2e-'));
  writeFileSync(join(dir, 'mesh.yaml'), mesh);
  copyFileSync(join(FIXTURES, 'policy-allow-view-gw.yaml'), join(dir, 'policy-allow-view-gw.yaml'));
  const xdsPort = await freePort();
  const monPort = await freePort();
  const pilot = spawn(process.execPath, [STRAIT_BIN, 'pilot', '--config-dir', dir, '--xds-port', String(xdsPort),
    '--monitoring-port', String(monPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let pilotOut = '';
  pilot.stdout!.on('data', (d) => { pilotOut += d; });
  pilot.stderr!.on('data', (d) => { pilotOut += d; });
  const app = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'catalog' });
    res.end(`catalog ${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve, reject) => { app.once('error', reject); app.listen(3000, CATALOG.app, resolve); });
  const proxies: RunningProxy[] = [];
  t.after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await new Promise((r) => app.close(r));
    if (pilot.exitCode === null) await terminate(pilot);
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor(`pilot to listen\n${pilotOut}`, 15_000, () => fetch(`http://127.0.0.1:${monPort}/metrics`).then(() => true, () => undefined));
  const boot = (o: Omit<ProxyBootstrapOptions, 'xdsHost' | 'xdsPort'>): string => JSON.stringify(proxyBootstrap({ ...o, xdsHost: '127.0.0.1', xdsPort }));
  proxies.push(await startProxy(boot({ type: 'sidecar', podName: CATALOG.name, namespace: 'istioinaction', podIp: CATALOG.ip,
    appAddress: CATALOG.app, labels: { app: 'catalog' }, serviceAccount: 'catalog' })));
  proxies.push(await startProxy(boot({ type: 'router', podName: 'istio-ingressgateway-0', namespace: 'istio-system', podIp: GATEWAY_IP,
    labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } })));

  const get = (path: string, host: string, args: string[] = []) => curl(`http://${GATEWAY_IP}:8080${path}`, ['-H', `Host: ${host}`, ...args]);
  const ok = await waitFor('GET webapp.istioinaction.io through the gateway', 20_000, async () => {
    const r = await get('/items', 'webapp.istioinaction.io').catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  }).catch((e: Error) => { throw new Error(`${e.message}\npilot:\n${pilotOut}\n${proxies.map((p) => p.output()).join('\n')}`); });
  assert.equal(ok.body, 'catalog GET /items');

  const post = await get('/items', 'webapp.istioinaction.io', ['-X', 'POST', '-d', 'x']);
  assert.equal(post.status, 403);
  assert.equal(post.body, 'RBAC: access denied');
  const otherHost = await get('/items', 'catalog.istioinaction.io');
  assert.equal(otherHost.status, 403);

  const secret = await get('/items/secret', 'webapp.istioinaction.io');
  assert.equal(secret.status, 200, 'no policy on the catalog yet');
  const tmp = join(dir, '.no-secrets.tmp');
  writeFileSync(tmp, denySecret);
  renameSync(tmp, join(dir, 'no-secrets.yaml'));
  const refused = await waitFor('the catalog sidecar to refuse /items/secret', 10_000, async () => {
    const r = await get('/items/secret', 'webapp.istioinaction.io');
    return r.status === 403 ? r : undefined;
  });
  assert.equal(refused.body, 'RBAC: access denied');
  assert.equal((await get('/items/1', 'webapp.istioinaction.io')).status, 200);
  const stats = await (await fetch(`http://${CATALOG.ip}:15000/stats?filter=rbac`)).text();
  assert.match(stats, /^http\.inbound_0\.0\.0\.0_3000\.rbac\.denied: [1-9]/m, stats);
});
