// PeerAuthentication end to end on loopback: a `strait proxy` serving the virtualInbound listener pilot
// generates for a catalog workload (three ports: PERMISSIVE, STRICT, DISABLE by namespace, workload and
// port-level policies), its certificate over SDS from an agent with a mesh CA; curl and openssl as clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJson } from '@bufbuild/protobuf';
import { requestWorkloadCertificate } from '../src/mesh/agent/ca-client.js';
import { SecretCache } from '../src/mesh/agent/secret-cache.js';
import { startAgentSds } from '../src/mesh/agent/sds-server.js';
import { startCaServer } from '../src/pilot/ca/ca-server.js';
import { MeshCa } from '../src/pilot/ca/mesh-ca.js';
import { loadConfigText } from '../src/pilot/config/yaml-loader.js';
import { buildPushContext } from '../src/pilot/model/build-push-context.js';
import { defaultMeshConfig } from '../src/pilot/model/mesh-config.js';
import { proxyNodeId, type ProxyNode } from '../src/pilot/model/proxy.js';
import { ServiceRegistry } from '../src/pilot/registry/registry.js';
import { buildListenersOf } from '../src/pilot/translate/listener/test-support.js';
import { ListenerSchema } from '../src/xds/gen/envoy/config/listener/v3/listener_pb.js';
import { registry } from '../src/xds/registry.js';
import { curl } from './lib/curl.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { startProxy } from './lib/proxy-process.js';
import { freePort } from './lib/sandbox.js';
import { sClient } from './lib/s-client.js';

const NS = 'istioinaction';
const POD_IP = '10.44.0.9';
const CATALOG = `spiffe://cluster.local/ns/${NS}/sa/catalog`;
const WEBAPP = `spiffe://cluster.local/ns/${NS}/sa/webapp`;

/** The mesh: catalog's Service and Pod, the namespace STRICT, the workload PERMISSIVE with port-level STRICT and DISABLE. */
function meshYaml(permissive: number, strict: number, disable: number): string {
  return `
apiVersion: v1
kind: Service
metadata: { name: catalog, namespace: ${NS} }
spec:
  selector: { app: catalog }
  ports:
  - { name: http-permissive, port: 8001, targetPort: ${permissive} }
  - { name: http-strict, port: 8002, targetPort: ${strict} }
  - { name: http-disable, port: 8003, targetPort: ${disable} }
---
apiVersion: v1
kind: Pod
metadata: { name: catalog-0, namespace: ${NS}, labels: { app: catalog, security.istio.io/tlsMode: istio } }
spec:
  serviceAccountName: catalog
  containers: [{ name: catalog, image: istioinaction/catalog, ports: [{ containerPort: ${permissive} }, { containerPort: ${strict} }, { containerPort: ${disable} }] }]
status: { podIP: ${POD_IP}, phase: Running }
---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: { name: default, namespace: ${NS} }
spec: { mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: { name: catalog, namespace: ${NS} }
spec:
  selector: { matchLabels: { app: catalog } }
  mtls: { mode: PERMISSIVE }
  portLevelMtls:
    ${strict}: { mode: STRICT }
    ${disable}: { mode: DISABLE }
`;
}

/** Pilot's virtualInbound for the catalog sidecar, bound on 127.0.0.1 (its 15006 address moved to port 0). */
function generatedInbound(yaml: string): Record<string, unknown> {
  const { objects, errors } = loadConfigText(yaml, 'mesh.yaml');
  assert.deepEqual(errors, []);
  const reg = new ServiceRegistry();
  reg.upsertAll(objects as never);
  const push = buildPushContext({ version: 'e2e', mesh: { ...defaultMeshConfig(), workloadSds: true }, configs: objects, registry: reg });
  const proxy: ProxyNode = {
    id: proxyNodeId('sidecar', POD_IP, 'catalog-0', NS), type: 'sidecar', ipAddresses: [POD_IP], namespace: NS, workloadName: 'catalog-0',
    labels: { app: 'catalog', 'security.istio.io/tlsMode': 'istio' }, serviceAccount: 'catalog', bindAddress: '127.0.0.1',
    appAddress: '127.0.0.1', httpProxyPort: 0, metadata: {},
  };
  const l = buildListenersOf(push, proxy).find((x) => x.name === 'virtualInbound');
  assert.ok(l);
  const j = toJson(ListenerSchema, l, { registry }) as { address: { socketAddress: { portValue: number } } };
  j.address.socketAddress.portValue = 0;
  return j;
}

const staticCluster = (name: string, address: Record<string, unknown>) => ({
  name, type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
});

test('PERMISSIVE takes plaintext and mTLS, STRICT refuses plaintext, DISABLE answers plaintext only', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-peerauthn-'));
  const ca = await MeshCa.open({ dir: join(dir, 'ca') });
  const tokens: Record<string, { namespace: string; serviceAccount: string }> = {
    catalog: { namespace: NS, serviceAccount: 'catalog' }, webapp: { namespace: NS, serviceAccount: 'webapp' },
  };
  const caServer = await startCaServer({ ca, port: 0, authenticate: (tk) => tokens[tk] });
  const caClient = (token: string) => ({ address: `127.0.0.1:${caServer.port}`, rootPem: ca.rootPem, token });
  const agentSds = await startAgentSds(join(dir, 'sds.sock'));
  const secrets = new SecretCache({ ttlS: 0, fetch: () => requestWorkloadCertificate(caClient('catalog'), CATALOG, 3600), onUpdate: (s) => agentSds.update(s) });
  await secrets.start();
  // The client's own workload certificate, as a sidecar of webapp would hold it.
  const client = await requestWorkloadCertificate(caClient('webapp'), WEBAPP, 3600);
  const [certFile, keyFile, rootFile] = ['cert.pem', 'key.pem', 'root.pem'].map((f) => join(dir, f));
  writeFileSync(certFile, client.certChainPem);
  writeFileSync(keyFile, client.keyPem);
  writeFileSync(rootFile, client.rootPem);

  const app = await startEchoUpstream('catalog');
  const [permissive, strict, disable] = [await freePort(), await freePort(), await freePort()];
  const proxy = await startProxy(JSON.stringify({
    node: { id: proxyNodeId('sidecar', POD_IP, 'catalog-0', NS), cluster: `catalog.${NS}` },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      clusters: [
        staticCluster('sds-grpc', { pipe: { path: join(dir, 'sds.sock') } }),
        ...[permissive, strict, disable].map((p) => staticCluster(`inbound|${p}||`, { socket_address: { address: '127.0.0.1', port_value: app.port } })),
      ],
      listeners: [generatedInbound(meshYaml(permissive, strict, disable))],
    },
  }));
  t.after(async () => {
    await proxy.stop();
    await app.close();
    secrets.close();
    await agentSds.close();
    await caServer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 15_000;
  while ((await (await proxy.admin('/ready')).text()).trim() !== 'LIVE') {
    assert.ok(Date.now() < deadline, `proxy not LIVE:\n${proxy.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const plain = (port: number) => curl(`http://127.0.0.1:${port}/items`);
  /** openssl as an Istio sidecar client: the webapp certificate, ALPN istio, the mesh root checked. */
  const mtls = (port: number, extra: string[] = ['-cert', certFile, '-key', keyFile]) => sClient(port,
    ['-quiet', '-alpn', 'istio', '-CAfile', rootFile, '-verify_return_error', ...extra], 'GET /items HTTP/1.1\r\nHost: catalog\r\nConnection: close\r\n\r\n');
  const answered = (r: { stdout: string }) => /^HTTP\/1\.1 200 OK\r\n/.test(r.stdout);

  // PERMISSIVE: both; a TLS client that is not Istio's (curl's ALPN h2/http/1.1) matches no chain.
  const p = await plain(permissive);
  assert.equal(p.status, 200, p.raw);
  assert.equal(JSON.parse(p.body).url, '/items');
  const pm = await mtls(permissive);
  assert.ok(answered(pm), `${pm.stdout}\n${pm.stderr}`);
  await assert.rejects(curl(`https://127.0.0.1:${permissive}/`, ['-k', '--cert', certFile, '--key', keyFile]));

  // STRICT: plaintext is reset without an answer (curl exit 56, as Envoy's close of peeked bytes); mTLS is served;
  // TLS without a client certificate is refused.
  await assert.rejects(plain(strict), (e: { code?: number }) => e.code === 56);
  const sm = await mtls(strict);
  assert.ok(answered(sm), `${sm.stdout}\n${sm.stderr}`);
  const noCert = await mtls(strict, []);
  assert.ok(!answered(noCert), noCert.stdout);
  assert.match(noCert.stderr, /alert certificate required/, noCert.stderr);

  // DISABLE: plaintext only; the TLS handshake meets the plaintext HTTP chain and fails.
  const d = await plain(disable);
  assert.equal(d.status, 200, d.raw);
  const dm = await mtls(disable);
  assert.ok(!answered(dm), dm.stdout);
  assert.notEqual(dm.code, 0);

  const port = await proxy.listenerPort('virtualInbound');
  const stats = await (await proxy.admin(`/stats?filter=^listener\\.127\\.0\\.0\\.1_${port}\\.`)).text();
  assert.match(stats, new RegExp(`^listener\\.127\\.0\\.0\\.1_${port}\\.no_filter_chain_match: 2$`, 'm'), stats);
  assert.match(stats, new RegExp(`^listener\\.127\\.0\\.0\\.1_${port}\\.ssl\\.handshake: 2$`, 'm'), stats);
});
