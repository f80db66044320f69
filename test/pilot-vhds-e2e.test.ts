// VHDS end to end on loopback: `strait pilot` and an ingress gateway and catalog sidecar as `strait
// proxy` processes on delta ADS. The gateway's route comes as a shell naming VHDS plus its virtual
// hosts; a VirtualService edit reaches it as one virtual host (VHDS reloads, RDS is not sent again),
// and curl sees the new route. The config dump shows the table whole, as Envoy's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogGatewayYaml, startCatalogGateway } from './lib/catalog-gateway-mesh.js';
import { curl } from './lib/curl.js';
import { waitFor } from './lib/wait.js';

const GATEWAY_IP = '127.69.0.10';
const CATALOG = { name: 'catalog-0', ip: '127.69.0.1', app: '127.69.1.1' };
const ROUTE = 'http.8080';
const PREFIX = 'http.outbound_0.0.0.0_8080';

const teapotVs = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: catalog, namespace: istioinaction }
spec:
  hosts: ["*"]
  gateways: [coolstore-gateway]
  http:
  - match: [{ uri: { prefix: /teapot } }]
    fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }
    route: [{ destination: { host: catalog } }]
  - route: [{ destination: { host: catalog } }]
`;

/** The gateway's counter `name`, or 0 when it has none yet. */
async function counter(name: string): Promise<number> {
  const text = await (await fetch(`http://${GATEWAY_IP}:15000/stats?filter=${encodeURIComponent(`^${name.replaceAll('.', '\\.')}$`)}`)).text();
  return Number(/: (\d+)$/m.exec(text)?.[1] ?? 0);
}

test('a gateway on delta ADS takes its routes over VHDS; a VirtualService edit comes as one virtual host', { timeout: 90_000 }, async (t) => {
  const { dir, withOutputs } = await startCatalogGateway(t, { dirPrefix: 'strait-vhds-e2e-', catalog: CATALOG, gatewayIp: GATEWAY_IP,
    files: { 'mesh.yaml': catalogGatewayYaml(CATALOG.name, CATALOG.ip) },
    app: (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`catalog ${req.method} ${req.url}`);
    } });
  const get = (path: string) => curl(`http://${GATEWAY_IP}:8080${path}`, ['-H', 'Host: webapp.istioinaction.io']);
  const ok = await waitFor('GET /items through the gateway', 20_000, async () => {
    const r = await get('/items').catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  }).catch((e: Error) => { throw withOutputs(e); });
  assert.equal(ok.body, 'catalog GET /items');
  assert.equal((await get('/teapot')).status, 200, 'no fault yet');

  // The config dump: the route as the proxy holds it, VHDS named and the virtual host merged in.
  const dump = await (await fetch(`http://${GATEWAY_IP}:15000/config_dump?resource=dynamic_route_configs`)).json() as
    { configs: { route_config: { name: string; vhds?: { config_source?: { ads?: object } }; virtual_hosts?: { domains: string[] }[] } }[] };
  const rc = dump.configs.map((c) => c.route_config).find((r) => r.name === ROUTE);
  assert.ok(rc, `route ${ROUTE} in ${JSON.stringify(dump)}`);
  assert.deepEqual(rc.vhds?.config_source?.ads, {});
  assert.ok(rc.virtual_hosts?.some((v) => v.domains.includes('*')), JSON.stringify(rc));
  const reloads = await counter(`${PREFIX}.vhds.${ROUTE}.config_reload`);
  assert.ok(reloads >= 1, `VHDS config_reload ${reloads}`);
  const rdsAttempts = await counter(`${PREFIX}.rds.${ROUTE}.update_attempt`);
  assert.ok(rdsAttempts >= 1);

  // mesh.yaml again, its VirtualService edited.
  const mesh = catalogGatewayYaml(CATALOG.name, CATALOG.ip);
  const tmp = join(dir, '.mesh.tmp');
  writeFileSync(tmp, `${mesh.slice(0, mesh.lastIndexOf('---\n'))}---\n${teapotVs}`);
  renameSync(tmp, join(dir, 'mesh.yaml'));
  const teapot = await waitFor('the fault at the gateway', 15_000, async () => {
    const r = await get('/teapot');
    return r.status === 418 ? r : undefined;
  }).catch((e: Error) => { throw withOutputs(e); });
  assert.equal(teapot.body, 'fault filter abort');
  assert.equal((await get('/items')).status, 200);
  assert.equal(await counter(`${PREFIX}.vhds.${ROUTE}.config_reload`), reloads + 1, 'one VHDS reload');
  assert.equal(await counter(`${PREFIX}.rds.${ROUTE}.update_attempt`), rdsAttempts, 'the route configuration itself was not sent again');
});
