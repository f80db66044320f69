// SDS end to end: a real `strait proxy` whose mTLS listener and cluster take Istio's `default` and
// `ROOTCA` secrets from an agent's SDS socket (certificates signed by the mesh CA), checked with curl
// and openssl, what the admin shows (/certs, the secrets dump, istioctl's secret table), and a certificate
// rotation under load with no failed request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestWorkloadCertificate } from '../src/mesh/agent/ca-client.js';
import { SecretCache } from '../src/mesh/agent/secret-cache.js';
import { startAgentSds } from '../src/mesh/agent/sds-server.js';
import { startCaServer } from '../src/pilot/ca/ca-server.js';
import { MeshCa } from '../src/pilot/ca/mesh-ca.js';
import { secretTable } from '../src/cli/istioctl/secret-table.js';
import { cellsOf } from '../src/cli/istioctl/tab-writer.js';
import { curl } from './lib/curl.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { startLoad } from './lib/load.js';
import { startProxy } from './lib/proxy-process.js';
import { freePort } from './lib/sandbox.js';
import { sClient } from './lib/s-client.js';

const ID = 'spiffe://cluster.local/ns/istioinaction/sa/catalog';
const TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3';
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };

/** Istio's SDS config source: the agent's socket through the static `sds-grpc` cluster. */
const sds = (name: string) => ({ name, sds_config: { resource_api_version: 'V3', initial_fetch_timeout: '0s',
  api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', set_node_on_first_message_only: true,
    grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] } } });
const common = (matchSan?: string) => ({
  alpn_protocols: ['istio', 'http/1.1'],
  tls_certificate_sds_secret_configs: [sds('default')],
  combined_validation_context: {
    default_validation_context: matchSan === undefined ? {} : { match_subject_alt_names: [{ exact: matchSan }] },
    validation_context_sds_secret_config: sds('ROOTCA'),
  },
});
const staticCluster = (name: string, port: number, extra: Record<string, unknown> = {}) => ({
  name, type: 'STATIC', connect_timeout: '1s', ...extra,
  load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
});
const hcmTo = (prefix: string, cluster: string) => ({ name: 'envoy.filters.network.http_connection_manager', typed_config: {
  '@type': HCM, stat_prefix: prefix, http_filters: [ROUTER],
  route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] } } });

function bootstrap(socket: string, inboundPort: number, appPort: number): string {
  return JSON.stringify({
    node: { id: 'sidecar~127.0.0.1~catalog-1.istioinaction~istioinaction.svc.cluster.local', cluster: 'catalog.istioinaction' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      clusters: [
        { name: 'sds-grpc', type: 'STATIC', connect_timeout: '1s',
          load_assignment: { cluster_name: 'sds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: socket } } } }] }] } },
        staticCluster('app', appPort),
        // A new mTLS connection per request, so every request after a rotation handshakes with the new certificate.
        staticCluster('inbound-mtls', inboundPort, {
          typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            common_http_protocol_options: { max_requests_per_connection: 1 }, explicit_http_config: { http_protocol_options: {} } } },
          transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': `${TLS}.UpstreamTlsContext`, common_tls_context: common(ID) } },
        }),
      ],
      listeners: [
        { name: 'inbound', address: { socket_address: { address: '127.0.0.1', port_value: inboundPort } },
          filter_chains: [{ filters: [hcmTo('inbound', 'app')], transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: {
            '@type': `${TLS}.DownstreamTlsContext`, require_client_certificate: true, common_tls_context: common() } } }] },
        { name: 'outbound', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [{ filters: [hcmTo('outbound', 'inbound-mtls')] }] },
      ],
    },
  });
}

/** openssl s_client to the inbound port: exit code and output. */
async function sClientOut(port: number, args: string[]): Promise<{ code: number | null; out: string }> {
  const r = await sClient(port, ['-servername', 'catalog', '-showcerts', '-ign_eof', ...args], 'GET / HTTP/1.1\r\nHost: catalog\r\nConnection: close\r\n\r\n');
  return { code: r.code, out: r.stdout + r.stderr };
}

/** The serial number of the certificate a server presents (first in s_client's -showcerts). */
function servedSerial(out: string): string {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)?.[0];
  assert.ok(pem, out);
  return new X509Certificate(pem).serialNumber;
}

test('SDS from the agent: mTLS between listener and cluster, SPIFFE SAN seen by openssl, rotation under load without a failure', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-sds-'));
  const ca = await MeshCa.open({ dir: join(dir, 'ca') });
  const caServer = await startCaServer({ ca, port: 0, authenticate: (tk) => (tk === 'tok' ? { namespace: 'istioinaction', serviceAccount: 'catalog' } : undefined) });
  const agentSds = await startAgentSds(join(dir, 'sds.sock'));
  let ttlS = 3600;
  const secrets = new SecretCache({
    ttlS: 0,
    fetch: () => requestWorkloadCertificate({ address: `127.0.0.1:${caServer.port}`, rootPem: ca.rootPem, token: 'tok' }, ID, ttlS),
    onUpdate: (s) => agentSds.update(s),
  });
  const first = await secrets.start();
  const app = await startEchoUpstream('catalog');
  const inboundPort = await freePort();
  const proxy = await startProxy(bootstrap(join(dir, 'sds.sock'), inboundPort, app.port));
  t.after(async () => {
    secrets.close();
    await proxy.stop();
    await app.close();
    await agentSds.close();
    await caServer.close();
  });
  const deadline = Date.now() + 15_000;
  while ((await (await proxy.admin('/ready')).text()).trim() !== 'LIVE') {
    assert.ok(Date.now() < deadline, `proxy not LIVE:\n${proxy.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const outbound = `http://127.0.0.1:${await proxy.listenerPort('outbound')}`;

  // Plaintext client -> outbound -> mTLS (SDS certificates both sides) -> inbound -> app.
  const r = await curl(`${outbound}/items`);
  assert.equal(r.status, 200, r.raw);
  assert.equal(JSON.parse(r.body).server, 'catalog');

  // openssl: no client certificate is refused; the server's certificate carries the SPIFFE id.
  const bare = await sClientOut(inboundPort, []);
  assert.doesNotMatch(bare.out, /HTTP\/1\.1 200/, 'no answer without a client certificate');
  writeFileSync(join(dir, 'cert.pem'), first.certChainPem);
  writeFileSync(join(dir, 'key.pem'), first.keyPem);
  writeFileSync(join(dir, 'root.pem'), first.rootPem);
  const good = await sClientOut(inboundPort, ['-cert', join(dir, 'cert.pem'), '-key', join(dir, 'key.pem'), '-CAfile', join(dir, 'root.pem'), '-verify_return_error']);
  assert.match(good.out, /HTTP\/1\.1 200/, good.out);
  assert.match(good.out, /Verify return code: 0 \(ok\)/);
  const served = new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(good.out)![0]);
  assert.equal(served.subjectAltName, `URI:${ID}`);
  assert.equal(served.serialNumber, new X509Certificate(first.certChainPem).serialNumber);

  // What the admin shows: /certs as Envoy's, the SecretsConfigDump (key redacted) and istioctl's secret table.
  const certs = await (await proxy.admin('/certs')).json() as { certificates: { cert_chain: { serial_number: string; subject_alt_names: unknown[] }[] }[] };
  const serial = new X509Certificate(first.certChainPem).serialNumber.toLowerCase();
  assert.ok(certs.certificates.some((c) => c.cert_chain[0]?.serial_number === serial
    && JSON.stringify(c.cert_chain[0].subject_alt_names) === JSON.stringify([{ uri: ID }])), JSON.stringify(certs));
  const dump = await (await proxy.admin('/config_dump')).json();
  const secretsDump = JSON.stringify(dump);
  assert.match(secretsDump, /"private_key":\{"inline_bytes":"W3JlZGFjdGVkXQ=="\}/, 'the key is redacted');
  assert.doesNotMatch(secretsDump, /PRIVATE KEY/);
  const table = secretTable(dump).split('\n').map(cellsOf);
  assert.deepEqual(table[0], ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE']);
  assert.deepEqual(table.find((r) => r[0] === 'default')?.slice(1, 5), ['Cert Chain', 'ACTIVE', 'true', serial]);
  assert.deepEqual(table.find((r) => r[0] === 'ROOTCA')?.slice(1, 5), ['CA', 'ACTIVE', 'true', new X509Certificate(ca.rootPem).serialNumber.toLowerCase()]);

  // Rotation under load: short certificates (valid from 2 min back to 124 s ahead: renewed at half, 2 s from now).
  const load = startLoad(() => `${outbound}/items`, 20, 60_000);
  t.after(() => load.stop());
  ttlS = 124;
  const rotated = new SecretCache({
    ttlS: 0, random: () => 0.5,
    fetch: () => requestWorkloadCertificate({ address: `127.0.0.1:${caServer.port}`, rootPem: ca.rootPem, token: 'tok' }, ID, ttlS),
    onUpdate: (s) => agentSds.update(s),
  });
  t.after(() => rotated.close());
  secrets.close();
  const second = await rotated.start();
  // The renewal of `second` asks for an hour, so the newest certificate stays put for the last check.
  ttlS = 3600;
  await load.more(30, 30_000);
  const until = Date.now() + 15_000;
  while (rotated.secret === second && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  const third = rotated.secret!;
  assert.notEqual(third, second, 'renewed at half its life');
  await load.more(30, 30_000);
  await load.stop();
  if (load.failures.length > 0) {
    const stats = await (await proxy.admin('/stats')).text();
    t.diagnostic(stats.split('\n').filter((l) => /inbound-mtls\.(upstream_cx_connect|upstream_cx_connect_fail|ssl\.|upstream_rq_pending_overflow|upstream_cx_destroy)|listener\..*ssl\./.test(l) && !/ 0$/.test(l)).join('\n'));
  }
  assert.deepEqual(load.failures, [], 'no failed request across two certificate changes');
  const after = await sClientOut(inboundPort, ['-cert', join(dir, 'cert.pem'), '-key', join(dir, 'key.pem')]);
  assert.equal(servedSerial(after.out), new X509Certificate(third.certChainPem).serialNumber, 'new handshakes present the newest certificate');
  t.diagnostic(`${load.samples.length} requests across the rotations, ${load.failures.length} failed`);
});
