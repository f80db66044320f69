// Istio's TCP metadata exchange between two proxy processes: a client sidecar (outbound tcp_proxy, a
// cluster with the upstream istio.metadata_exchange filter and Istio mTLS) and a server sidecar (inbound
// mTLS chain with the network filter) in front of a TCP echo; the istio_tcp_* metrics carry the peers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { makeTestPki, makeWorkloadCert, type TestPki } from './lib/tls-certs.js';
import { waitFor } from './lib/wait.js';

const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const TYPED_STRUCT = 'type.googleapis.com/udpa.type.v1.TypedStruct';
const TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3';
const SERVICE = { host: 'tcp-echo.shop.svc.cluster.local', name: 'tcp-echo', namespace: 'shop' };
const CLIENT_SPIFFE = 'spiffe://cluster.local/ns/default/sa/sleep';
const SERVER_SPIFFE = 'spiffe://cluster.local/ns/shop/sa/tcp-echo';
const ADMIN = { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } };

let pki: TestPki;
let tcpEcho: net.Server;
let server: RunningProxy;
let client: RunningProxy;

function node(id: string, workload: string, ns: string, labels: Record<string, string>): unknown {
  return { id, cluster: `${workload}.${ns}`, metadata: {
    NAME: `${workload}-6d8f9c7b5-x2x9z`, NAMESPACE: ns, WORKLOAD_NAME: workload, CLUSTER_ID: 'Kubernetes',
    OWNER: `kubernetes://apis/apps/v1/namespaces/${ns}/deployments/${workload}`, ISTIO_VERSION: '1.22.0', LABELS: labels,
  } };
}

/** istio.metadata_exchange as istiod writes it (a TypedStruct), for listener chains and clusters alike. */
const MX = { name: 'istio.metadata_exchange', typed_config: { '@type': TYPED_STRUCT,
  type_url: 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange',
  value: { protocol: 'istio-peer-exchange', enable_discovery: true } } };

const STATS = { name: 'istio.stats', typed_config: { '@type': TYPED_STRUCT, type_url: 'type.googleapis.com/stats.PluginConfig',
  value: { tcp_reporting_duration: '0.2s' } } };

function tcpProxy(cluster: string): unknown {
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: cluster, cluster } };
}

function staticCluster(name: string, port: number, extra: Record<string, unknown> = {}): unknown {
  return {
    name, connect_timeout: '1s', type: 'STATIC', metadata: { filter_metadata: { istio: { services: [SERVICE] } } },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [
      { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
    ...extra,
  };
}

function commonTls(cert: { cert: string; key: string }, alpn: string[]): unknown {
  return {
    alpn_protocols: alpn,
    tls_certificates: [{ certificate_chain: { filename: cert.cert }, private_key: { filename: cert.key } }],
    validation_context: { trusted_ca: { filename: pki.caCert } },
  };
}

before(async () => {
  pki = makeTestPki();
  const serverCert = makeWorkloadCert(pki, 'tcp-echo', SERVER_SPIFFE);
  const clientCert = makeWorkloadCert(pki, 'sleep', CLIENT_SPIFFE);
  tcpEcho = net.createServer((s) => {
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  await new Promise<void>((r) => tcpEcho.listen(0, '127.0.0.1', r));
  server = await startProxy(JSON.stringify({
    node: node('sidecar~127.0.0.1~tcp-echo-6d8f9c7b5-x2x9z.shop~shop.svc.cluster.local', 'tcp-echo', 'shop', { app: 'tcp-echo', version: 'v1' }),
    admin: ADMIN,
    static_resources: {
      listeners: [{
        name: 'virtualInbound', traffic_direction: 'INBOUND', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{
          transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': `${TLS}.DownstreamTlsContext`,
            require_client_certificate: true, common_tls_context: commonTls(serverCert, ['istio-peer-exchange', 'h2', 'http/1.1']) } },
          filters: [MX, STATS, tcpProxy('inbound|9000||')],
        }],
      }],
      clusters: [staticCluster('inbound|9000||', (tcpEcho.address() as AddressInfo).port)],
    },
  }));
  const serverPort = await server.listenerPort('virtualInbound');
  client = await startProxy(JSON.stringify({
    node: node('sidecar~127.0.0.1~sleep-7c9f8d6b4-abcde.default~default.svc.cluster.local', 'sleep', 'default', { app: 'sleep' }),
    admin: ADMIN,
    static_resources: {
      listeners: [{
        name: 'tcpOutbound', traffic_direction: 'OUTBOUND', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{ filters: [STATS, tcpProxy('outbound|9000||tcp-echo.shop.svc.cluster.local')] }],
      }],
      clusters: [staticCluster('outbound|9000||tcp-echo.shop.svc.cluster.local', serverPort, {
        filters: [{ name: MX.name, typed_config: MX.typed_config }],
        transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': `${TLS}.UpstreamTlsContext`,
          common_tls_context: commonTls(clientCert, ['istio-peer-exchange', 'istio']) } },
      })],
    },
  }));
});

after(async () => {
  await client?.stop();
  await server?.stop();
  await new Promise((r) => tcpEcho?.close(r));
  pki?.remove();
});

async function metrics(p: RunningProxy): Promise<string> {
  return (await p.admin('/stats/prometheus')).text();
}

/** Sends `text`, then reads until `done` says the bytes received so far are all (5 s at most). */
async function exchange(socket: net.Socket, text: string, done: (got: Buffer) => boolean): Promise<Buffer> {
  let got = Buffer.alloc(0);
  socket.write(text);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} bytes came back: ${got.toString('hex')}`)), 5000);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (!done(got)) return;
      clearTimeout(timer);
      resolve(got);
    });
    socket.once('error', reject);
  });
}

const PEERS = [
  'source_workload="sleep"', 'source_canonical_service="sleep"', 'source_canonical_revision="latest"',
  'source_workload_namespace="default"', `source_principal="${CLIENT_SPIFFE}"`, 'source_app="sleep"',
  'source_version="unknown"', 'source_cluster="Kubernetes"', 'destination_workload="tcp-echo"',
  'destination_workload_namespace="shop"', `destination_principal="${SERVER_SPIFFE}"`, 'destination_app="tcp-echo"',
  'destination_version="v1"', `destination_service="${SERVICE.host}"`, 'destination_canonical_service="tcp-echo"',
  'destination_canonical_revision="v1"', 'destination_service_name="tcp-echo"', 'destination_service_namespace="shop"',
  'destination_cluster="Kubernetes"', 'request_protocol="tcp"', 'response_flags="-"',
].join(',');

test('the sidecars exchange metadata in band: the app sees only its bytes, both reporters label the peers', async () => {
  const sock = net.connect(await client.listenerPort('tcpOutbound'), '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const got = await exchange(sock, 'hello over mTLS', (g) => g.length >= 15);
  assert.equal(got.toString(), 'hello over mTLS', 'no exchange frame reaches either application');
  const server15 = `{reporter="destination",${PEERS},connection_security_policy="mutual_tls"}`;
  const client15 = `{reporter="source",${PEERS},connection_security_policy="unknown"}`;
  // Opened and the bytes so far show while the connection is open (tcp_reporting_duration 0.2s).
  await waitFor('server metrics', 5000, async () => {
    const t = await metrics(server);
    return t.includes(`istio_tcp_connections_opened_total${server15} 1`) && t.includes(`istio_tcp_sent_bytes_total${server15}`) ? t : undefined;
  }).catch(async () => assert.fail(await metrics(server)));
  await waitFor('client metrics', 5000, async () => {
    const t = await metrics(client);
    return t.includes(`istio_tcp_connections_opened_total${client15} 1`)
      && t.includes(`istio_tcp_received_bytes_total${client15} 15`) && t.includes(`istio_tcp_sent_bytes_total${client15} 15`) ? t : undefined;
  }).catch(async () => assert.fail(await metrics(client)));
  const closed = new Promise((r) => sock.once('close', r));
  sock.end();
  await closed;
  await waitFor('closed on both sides', 5000, async () => {
    const [s, c] = [await metrics(server), await metrics(client)];
    return s.includes(`istio_tcp_connections_closed_total${server15} 1`) && c.includes(`istio_tcp_connections_closed_total${client15} 1`)
      ? true : undefined;
  }).catch(async () => assert.fail(`${await metrics(server)}\n---\n${await metrics(client)}`));
  // The server's wire bytes include the two frames (as Envoy's downstream bytes meter); the app's 15 are in both.
  const s = await metrics(server);
  const received = Number(new RegExp(`istio_tcp_received_bytes_total${escape(server15)} (\\d+)`).exec(s)?.[1]);
  assert.ok(received > 15 + 8, `server received ${received} bytes: the client's frame and its 15`);
  for (const p of [server, client]) {
    const stats = await (await p.admin('/stats?filter=^metadata_exchange')).text();
    assert.match(stats, /^metadata_exchange\.alpn_protocol_found: 1$/m);
    assert.match(stats, /^metadata_exchange\.metadata_added: 1$/m);
  }
});

test('a peer that speaks the ALPN but sends no frame: its bytes pass on untouched and the peer stays unknown', async () => {
  const port = await server.listenerPort('virtualInbound');
  const cert = makeWorkloadCert(pki, 'rogue', 'spiffe://cluster.local/ns/default/sa/rogue');
  const sock = tls.connect({ host: '127.0.0.1', port, ca: pki.read(pki.caCert), cert: pki.read(cert.cert), key: pki.read(cert.key),
    ALPNProtocols: ['istio-peer-exchange'], checkServerIdentity: () => undefined });
  await new Promise<void>((r, j) => {
    sock.once('secureConnect', () => r());
    sock.once('error', j);
  });
  assert.equal(sock.alpnProtocol, 'istio-peer-exchange');
  // What comes back: the server sidecar's frame (magic 0x3D230467), then the echo of every byte sent.
  const all = await exchange(sock, 'GET / HTTP/1.1\r\n\r\n', (g) => g.length >= 8 && g.length >= 8 + g.readUInt32BE(4) + 18);
  assert.equal(all.readUInt32BE(0), 0x3d230467);
  assert.equal(all.subarray(8 + all.readUInt32BE(4)).toString(), 'GET / HTTP/1.1\r\n\r\n');
  sock.end();
  await waitFor('unknown peer metric', 5000, async () => {
    const t = await metrics(server);
    return /istio_tcp_connections_closed_total\{reporter="destination",source_workload="unknown",[^}]*source_principal="spiffe:\/\/cluster\.local\/ns\/default\/sa\/rogue"[^}]*connection_security_policy="mutual_tls"\} 1/.test(t)
      ? t : undefined;
  }).catch(async () => assert.fail(await metrics(server)));
  const stats = await (await server.admin('/stats?filter=^metadata_exchange')).text();
  assert.match(stats, /^metadata_exchange\.initial_header_not_found: [1-9]/m);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
