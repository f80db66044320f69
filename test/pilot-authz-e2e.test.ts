// AuthorizationPolicy end to end on loopback: `strait pilot` over a watched directory holding the
// book's ch9 gateway policy, an ingress gateway and a catalog sidecar as `strait proxy` processes;
// curl through the gateway is allowed or refused (403 `RBAC: access denied`), and a DENY policy
// written while running reaches the catalog sidecar's inbound listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogGatewayYaml, startCatalogGateway } from './lib/catalog-gateway-mesh.js';
import { curl } from './lib/curl.js';
import { REPO_ROOT } from './lib/proxy-process.js';
import { waitFor } from './lib/wait.js';

const GATEWAY_IP = '127.67.0.10';
const CATALOG = { name: 'catalog-0', ip: '127.67.0.1', app: '127.67.1.1' };
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'book-ch9');

const denySecret = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-secrets, namespace: istioinaction }
spec:
  selector: { matchLabels: { app: catalog } }
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/items/secret*"] } }] }]
`;

test('the ch9 gateway policy allows GET webapp.istioinaction.io only; a DENY policy added later reaches the sidecar', { timeout: 90_000 }, async (t) => {
  const { dir, withOutputs } = await startCatalogGateway(t, { dirPrefix: 'strait-authz-e2e-', catalog: CATALOG, gatewayIp: GATEWAY_IP,
    files: { 'mesh.yaml': catalogGatewayYaml(CATALOG.name, CATALOG.ip),
      'policy-allow-view-gw.yaml': readFileSync(join(FIXTURES, 'policy-allow-view-gw.yaml'), 'utf8') },
    app: (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'catalog' });
      res.end(`catalog ${req.method} ${req.url}`);
    } });

  const get = (path: string, host: string, args: string[] = []) => curl(`http://${GATEWAY_IP}:8080${path}`, ['-H', `Host: ${host}`, ...args]);
  const ok = await waitFor('GET webapp.istioinaction.io through the gateway', 20_000, async () => {
    const r = await get('/items', 'webapp.istioinaction.io').catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  }).catch((e: Error) => { throw withOutputs(e); });
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
