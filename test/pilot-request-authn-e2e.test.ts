// RequestAuthentication end to end on loopback: `strait pilot` over a watched directory holding the
// book's ch9 gateway JWT policy (inline JWKS made here) and a DENY policy for requests without a
// request principal, an ingress gateway and a catalog sidecar as `strait proxy` processes; curl
// with a valid token gets 200, with another issuer's token 401, without a token 403.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { proxyBootstrap, type ProxyBootstrapOptions } from '../src/mesh/agent/bootstrap.js';
import { curl } from './lib/curl.js';
import { startProxy, STRAIT_BIN, terminate, type RunningProxy } from './lib/proxy-process.js';
import { freePort } from './lib/sandbox.js';
import { waitFor } from './lib/wait.js';

const GATEWAY_IP = '127.68.0.10';
const CATALOG = { name: 'catalog-0', ip: '127.68.0.1', app: '127.68.1.1' };
const ISSUER = 'auth@istioinaction.io';

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
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: app-gw-requires-jwt, namespace: istio-system }
spec:
  selector: { matchLabels: { app: istio-ingressgateway } }
  action: DENY
  rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }] }]
`;

const requestAuthn = (jwks: string): string => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt-token-request-authn, namespace: istio-system }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  jwtRules:
  - issuer: "${ISSUER}"
    jwks: '${jwks}'
`;

test('a gateway RequestAuthentication with a DENY for no principal: 200 with a valid token, 401 with a bad one, 403 without', { timeout: 90_000 }, async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid: 'k1' }] });
  const sign = (iss: string): Promise<string> => new SignJWT({ group: 'user' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(iss).setSubject('218d3fb9-4628-4d20-943c-124281c80e7b').setIssuedAt().setExpirationTime('1h').sign(privateKey);

  const dir = mkdtempSync(join(tmpdir(), 'strait-reqauthn-e2e-'));
  writeFileSync(join(dir, 'mesh.yaml'), mesh);
  writeFileSync(join(dir, 'request-authn.yaml'), requestAuthn(jwks));
  const xdsPort = await freePort();
  const monPort = await freePort();
  const pilot = spawn(process.execPath, [STRAIT_BIN, 'pilot', '--config-dir', dir, '--xds-port', String(xdsPort),
    '--monitoring-port', String(monPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let pilotOut = '';
  pilot.stdout!.on('data', (d) => { pilotOut += d; });
  pilot.stderr!.on('data', (d) => { pilotOut += d; });
  const app = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`catalog ${req.method} ${req.url} auth=${req.headers.authorization ?? 'none'}`);
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

  const get = (args: string[] = []) => curl(`http://${GATEWAY_IP}:8080/items`, ['-H', 'Host: webapp.istioinaction.io', ...args]);
  const valid = await sign(ISSUER);
  const ok = await waitFor('a request with a valid token through the gateway', 20_000, async () => {
    const r = await get(['-H', `Authorization: Bearer ${valid}`]).catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  }).catch((e: Error) => { throw new Error(`${e.message}\npilot:\n${pilotOut}\n${proxies.map((p) => p.output()).join('\n')}`); });
  // forwardOriginalToken is unset: the gateway strips the token before the catalog.
  assert.equal(ok.body, 'catalog GET /items auth=none');

  const otherIssuer = await get(['-H', `Authorization: Bearer ${await sign('old-auth@istioinaction.io')}`]);
  assert.equal(otherIssuer.status, 401);
  assert.equal(otherIssuer.body, 'Jwt issuer is not configured');

  const noToken = await get();
  assert.equal(noToken.status, 403);
  assert.equal(noToken.body, 'RBAC: access denied');

  const stats = await (await fetch(`http://${GATEWAY_IP}:15000/stats?filter=jwt_authn`)).text();
  assert.match(stats, /jwt_authn\.allowed: [1-9]/, stats);
  assert.match(stats, /jwt_authn\.denied: 1/, stats);
});
