// The agent's certificate path end to end on loopback: CSR to the CA over TLS with the pod's token,
// SDS `default` and `ROOTCA` over a Unix socket to a real SDS client, and rotation at half the life.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { NodeSchema } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { Secret } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { AdsClient, SDS_METHOD, type DecodedResource } from '../../xds/client/index.js';
import { SECRET_TYPE } from '../../xds/server/type-urls.js';
import { startCaServer } from '../../pilot/ca/ca-server.js';
import { MeshCa } from '../../pilot/ca/mesh-ca.js';
import { requestWorkloadCertificate } from './ca-client.js';
import { rotationTime, SecretCache } from './secret-cache.js';
import { startAgentSds } from './sds-server.js';

test('rotation time: half the life, within 1% jitter', () => {
  const from = new Date(0);
  const to = new Date(24 * 3600_000);
  assert.equal(rotationTime(from, to, () => 0.5), 12 * 3600_000);
  assert.equal(rotationTime(from, to, () => 0), 12.24 * 3600_000);
  assert.ok(Math.abs(rotationTime(from, to, () => 0.999999) - 11.76 * 3600_000) < 1000);
});

test('agent: SDS default and ROOTCA over a Unix socket, a new certificate pushed at half its life', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-agent-'));
  const ca = await MeshCa.open({ dir: join(dir, 'ca'), defaultTtlS: 3600 });
  const server = await startCaServer({ ca, port: 0, authenticate: (tk) => (tk === 'pod-token' ? { namespace: 'istioinaction', serviceAccount: 'catalog' } : undefined) });
  const identity = 'spiffe://cluster.local/ns/istioinaction/sa/catalog';
  const sds = await startAgentSds(join(dir, 'sds.sock'));
  // 4 s certificates (the 2-minute clock skew margin counts in the life, so ask for the margin more).
  const cache = new SecretCache({
    ttlS: 124,
    fetch: (ttl) => requestWorkloadCertificate({ address: `127.0.0.1:${server.port}`, rootPem: ca.rootPem, token: 'pod-token' }, identity, ttl),
    onUpdate: (s) => sds.update(s),
    random: () => 0.5,
  });
  // notBefore is 2 minutes back, so half of 124 s + 120 s of life is at 2 s from now.
  const first = await cache.start();
  const client = new AdsClient({ target: `unix:${join(dir, 'sds.sock')}`, node: create(NodeSchema, { id: 'sidecar~127.0.0.1~catalog.istioinaction~istioinaction.svc.cluster.local' }) }, SDS_METHOD);
  t.after(async () => {
    client.close();
    cache.close();
    await sds.close();
    await server.close();
  });
  const seen: { version: string; secrets: Map<string, Secret> }[] = [];
  client.watch(SECRET_TYPE, false, { apply: (res: readonly DecodedResource[], version: string) => {
    seen.push({ version, secrets: new Map(res.map((r) => [r.name, r.message as Secret])) });
    return null;
  } });
  client.setNames(SECRET_TYPE, ['default', 'ROOTCA']);
  client.start();
  const deadline = Date.now() + 20_000;
  while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(seen.length >= 2, `a rotation arrived (${seen.length} pushes)`);
  const [a, b] = seen as [typeof seen[0], typeof seen[0]];
  const leafOf = (s: Secret): X509Certificate => {
    assert.equal(s.type.case, 'tlsCertificate');
    const chain = s.type.case === 'tlsCertificate' ? s.type.value.certificateChain?.specifier : undefined;
    assert.equal(chain?.case, 'inlineBytes');
    return new X509Certificate(Buffer.from(chain!.value as Uint8Array));
  };
  const certA = leafOf(a.secrets.get('default')!);
  const certB = leafOf(b.secrets.get('default')!);
  assert.equal(certA.subjectAltName, `URI:${identity}`);
  assert.equal(certA.serialNumber.toLowerCase(), new X509Certificate(first.certChainPem).serialNumber.toLowerCase());
  assert.notEqual(certB.serialNumber, certA.serialNumber, 'rotated: a new certificate');
  assert.ok(certB.verify(new X509Certificate(ca.rootPem).publicKey));
  const root = b.secrets.get('ROOTCA')!;
  assert.equal(root.type.case, 'validationContext');
  const trusted = root.type.case === 'validationContext' ? root.type.value.trustedCa?.specifier : undefined;
  assert.equal(Buffer.from(trusted!.value as Uint8Array).toString(), ca.rootPem);
  assert.notEqual(a.version, b.version);
});
