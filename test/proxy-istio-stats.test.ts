// Istio's standard metrics and HTTP peer metadata exchange between two proxy processes: a client
// sidecar (outbound) and a server sidecar (inbound) in front of an echo app; plus a TCP chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { startEchoUpstream, type Echo, type EchoUpstream } from './lib/echo-upstream.js';
import { startProxy, type RunningProxy } from './lib/proxy-process.js';
import { makeTestPki, type TestPki } from './lib/tls-certs.js';
import { waitFor } from './lib/wait.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const TYPED_STRUCT = 'type.googleapis.com/udpa.type.v1.TypedStruct';
const XDS_TYPED_STRUCT = 'type.googleapis.com/xds.type.v3.TypedStruct';
const SERVICE = { host: 'web.shop.svc.cluster.local', name: 'web', namespace: 'shop' };

let echo: EchoUpstream;
let pki: TestPki;
let tcpEcho: net.Server;
let server: RunningProxy;
let client: RunningProxy;
let clientPort: number;

function node(id: string, workload: string, ns: string, labels: Record<string, string>): unknown {
  return { id, cluster: `${workload}.${ns}`, metadata: {
    NAME: `${workload}-6d8f9c7b5-x2x9z`, NAMESPACE: ns, WORKLOAD_NAME: workload, CLUSTER_ID: 'Kubernetes',
    OWNER: `kubernetes://apis/apps/v1/namespaces/${ns}/deployments/${workload}`, ISTIO_VERSION: '1.17.8', LABELS: labels,
  } };
}

function cluster(name: string, port: number, istio?: Record<string, unknown>): unknown {
  return {
    name, connect_timeout: '1s', type: 'STATIC',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [
      { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
    ...(istio ? { metadata: { filter_metadata: { istio } } } : {}),
  };
}

function peerMetadata(discovery: string, propagation: string): unknown {
  return { name: 'envoy.filters.http.peer_metadata', typed_config: { '@type': TYPED_STRUCT,
    type_url: 'type.googleapis.com/io.istio.http.peer_metadata.Config',
    value: { [discovery]: [{ istio_headers: {} }], [propagation]: [{ istio_headers: {} }] } } };
}

function istioStats(value: Record<string, unknown>): unknown {
  return { name: 'istio.stats', typed_config: { '@type': XDS_TYPED_STRUCT, type_url: 'type.googleapis.com/stats.PluginConfig', value } };
}

function httpListener(name: string, direction: string, filters: unknown[], routes: unknown[],
  chain: Record<string, unknown> = {}): unknown {
  return {
    name, traffic_direction: direction, address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{ ...chain, filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
      '@type': HCM, stat_prefix: name,
      route_config: { name, virtual_hosts: [{ name, domains: ['*'], routes }] },
      http_filters: [...filters, { name: 'envoy.filters.http.router' }],
    } }] }],
  };
}

const ADMIN = { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } };

before(async () => {
  pki = makeTestPki();
  echo = await startEchoUpstream('web');
  tcpEcho = net.createServer((s) => {
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  await new Promise<void>((r) => tcpEcho.listen(0, '127.0.0.1', r));
  const tcpPort = (tcpEcho.address() as AddressInfo).port;
  server = await startProxy(JSON.stringify({
    node: node('sidecar~127.0.0.1~web-6d8f9c7b5-x2x9z.shop~shop.svc.cluster.local', 'web', 'shop', { app: 'web', version: 'v1' }),
    admin: ADMIN,
    static_resources: {
      listeners: [
        httpListener('virtualInbound', 'INBOUND', [
          peerMetadata('downstream_discovery', 'downstream_propagation'), istioStats({}),
        ], [{ match: { prefix: '/' }, route: { cluster: 'inbound|8080||' } }]),
        httpListener('mtlsInbound', 'INBOUND', [istioStats({})], [{ match: { prefix: '/' }, route: { cluster: 'inbound|8080||' } }], {
          transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
            require_client_certificate: true,
            common_tls_context: {
              tls_certificates: [{ certificate_chain: { filename: pki.serverCert }, private_key: { filename: pki.serverKey } }],
              validation_context: { trusted_ca: { filename: pki.caCert } },
            },
          } },
        }),
        {
          name: 'tcpInbound', traffic_direction: 'INBOUND', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [{ filters: [
            { name: 'istio.metadata_exchange', typed_config: { '@type': TYPED_STRUCT,
              type_url: 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange', value: { protocol: 'istio-peer-exchange' } } },
            istioStats({ tcp_reporting_duration: '0.2s' }),
            { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: 'inbound_tcp', cluster: 'inbound|9000||' } },
          ] }],
        },
      ],
      clusters: [
        cluster('inbound|8080||', echo.port, { services: [SERVICE] }),
        cluster('inbound|9000||', tcpPort, { services: [{ host: 'tcp-echo.shop.svc.cluster.local', name: 'tcp-echo', namespace: 'shop' }] }),
      ],
    },
  }));
  const serverPort = await server.listenerPort('virtualInbound');
  client = await startProxy(JSON.stringify({
    node: node('sidecar~127.0.0.1~sleep-7c9f8d6b4-abcde.default~default.svc.cluster.local', 'sleep', 'default',
      { app: 'sleep', 'service.istio.io/canonical-name': 'sleep', 'service.istio.io/canonical-revision': 'latest' }),
    admin: ADMIN,
    static_resources: {
      listeners: [httpListener('0.0.0.0_80', 'OUTBOUND', [
        peerMetadata('upstream_discovery', 'upstream_propagation'),
        istioStats({ metrics: [
          { name: 'requests_total', dimensions: { source_app: "'client-override'", upstream_workload: 'upstream_peer.workload' },
            tags_to_remove: ['grpc_response_status'] },
          { name: 'request_bytes', drop: true },
        ] }),
      ], [
        { match: { prefix: '/ext' }, route: { cluster: 'outbound|80||api.example.com' } },
        { match: { prefix: '/' }, route: { cluster: 'outbound|80||web.shop.svc.cluster.local' } },
      ])],
      clusters: [
        cluster('outbound|80||web.shop.svc.cluster.local', serverPort, { services: [SERVICE] }),
        cluster('outbound|80||api.example.com', echo.port, { external: true, services: [{ host: 'api.example.com', name: 'api.example.com', namespace: 'shop' }] }),
      ],
    },
  }));
  clientPort = await client.listenerPort('0.0.0.0_80');
});

after(async () => {
  await client?.stop();
  await server?.stop();
  await echo?.close();
  await new Promise((r) => tcpEcho?.close(r));
  pki?.remove();
});

/** The labels both reporters agree on for a call from sleep to web. */
function labels(reporter: string, code: string, overrides: Record<string, string> = {}, drop: string[] = []): string {
  const l: [string, string][] = [
    ['reporter', reporter], ['source_workload', 'sleep'], ['source_canonical_service', 'sleep'],
    ['source_canonical_revision', 'latest'], ['source_workload_namespace', 'default'], ['source_principal', 'unknown'],
    ['source_app', 'sleep'], ['source_version', 'unknown'], ['source_cluster', 'Kubernetes'],
    ['destination_workload', 'web'], ['destination_workload_namespace', 'shop'], ['destination_principal', 'unknown'],
    ['destination_app', 'web'], ['destination_version', 'v1'], ['destination_service', SERVICE.host],
    ['destination_canonical_service', 'web'], ['destination_canonical_revision', 'v1'],
    ['destination_service_name', 'web'], ['destination_service_namespace', 'shop'], ['destination_cluster', 'Kubernetes'],
    ['request_protocol', 'http'], ['response_code', code], ['grpc_response_status', ''], ['response_flags', '-'],
    ['connection_security_policy', reporter === 'source' ? 'unknown' : 'none'],
  ];
  const out = l.filter(([k]) => !drop.includes(k)).map(([k, v]) => [k, overrides[k] ?? v]);
  for (const [k, v] of Object.entries(overrides)) if (!l.some(([n]) => n === k)) out.push([k, v]);
  return out.map(([k, v]) => `${k}="${v}"`).join(',');
}

async function metrics(p: RunningProxy): Promise<string> {
  return (await p.admin('/stats/prometheus')).text();
}

test('peer metadata crosses both proxies, never reaches the app or the client, and labels the metrics', async () => {
  const ok = await fetch(`http://127.0.0.1:${clientPort}/hello`);
  const okEcho = await ok.json() as Echo;
  assert.equal(ok.status, 200);
  const failed = await fetch(`http://127.0.0.1:${clientPort}/status/503`);
  await failed.arrayBuffer();
  assert.equal(failed.status, 503);
  for (const r of [ok, failed]) {
    assert.equal(r.headers.get('x-envoy-peer-metadata'), null, 'the client sidecar removes the response pair');
    assert.equal(r.headers.get('x-envoy-peer-metadata-id'), null);
  }
  assert.equal(okEcho.headers['x-envoy-peer-metadata'], undefined, 'the server sidecar removes the request pair');
  assert.equal(okEcho.headers['x-envoy-peer-metadata-id'], undefined);

  const serverSeries = `istio_requests_total{${labels('destination', '200')}} 1`;
  const serverText = await waitFor('server metrics', 5000, async () => {
    const t = await metrics(server);
    return t.includes(`istio_requests_total{${labels('destination', '503')}} 1`) && t.includes(serverSeries) ? t : undefined;
  }).catch(async () => assert.fail(await metrics(server)));
  assert.match(serverText, /^# TYPE istio_requests_total counter$/m);
  assert.doesNotMatch(serverText, /envoy_istio/);

  const clientOverrides = { source_app: 'client-override', upstream_workload: 'web' };
  const clientSeries = `istio_requests_total{${labels('source', '200', clientOverrides, ['grpc_response_status'])}} 1`;
  const clientText = await waitFor('client metrics', 5000, async () => {
    const t = await metrics(client);
    return t.includes(clientSeries) ? t : undefined;
  }).catch(async () => assert.fail(await metrics(client)));
  assert.ok(clientText.includes(`istio_requests_total{${labels('source', '503', clientOverrides, ['grpc_response_status'])}} 1`));
  assert.doesNotMatch(clientText, /istio_request_bytes/, 'a dropped metric is not recorded');

  // Histograms have Envoy's default buckets.
  const hist = labels('destination', '200');
  const buckets = [...clientText.matchAll(new RegExp(`^istio_request_duration_milliseconds_bucket\\{${escape(labels('source', '200'))},le="([^"]+)"\\}`, 'gm'))]
    .map((m) => m[1]);
  assert.deepEqual(buckets, ['0.5', '1', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000',
    '30000', '60000', '300000', '600000', '1800000', '3600000', '+Inf']);
  assert.match(serverText, new RegExp(`^# TYPE istio_response_bytes histogram$`, 'm'));
  assert.ok(serverText.includes(`istio_response_bytes_count{${hist}} 1\n`));
  assert.ok(serverText.includes(`istio_request_bytes_bucket{${hist},le="+Inf"} 1\n`));

  // /stats shows the joined names under the istiocustom namespace.
  const stats = await (await server.admin('/stats?filter=istio_requests_total')).text();
  assert.match(stats, /^istiocustom\.istio_requests_total\.reporter\.destination\.source_workload\.sleep\..*\.response_code\.200\..*: 1$/m);
});

test('no peer headers go to a cluster marked istio external', async () => {
  const before = echo.requests.length;
  const r = await fetch(`http://127.0.0.1:${clientPort}/ext`);
  await r.arrayBuffer();
  assert.equal(r.status, 200);
  const got = echo.requests[before]!;
  assert.equal(got.headers['x-envoy-peer-metadata'], undefined);
  assert.equal(got.headers['x-envoy-peer-metadata-id'], undefined);
  await waitFor('external request metric', 5000, async () => {
    const t = await metrics(client);
    return /istio_requests_total\{[^}]*destination_workload="unknown"[^}]*destination_service="api\.example\.com"[^}]*\} 1/.test(t) ? t : undefined;
  });
});

test('the server sidecar strips a request pair and answers with its own only when it got one', async () => {
  const port = await server.listenerPort('virtualInbound');
  const r = await fetch(`http://127.0.0.1:${port}/direct`, { headers: { 'x-envoy-peer-metadata-id': 'someone' } });
  const e = await r.json() as Echo;
  assert.equal(e.headers['x-envoy-peer-metadata-id'], undefined, 'the server strips the id even without metadata');
  assert.ok(r.headers.get('x-envoy-peer-metadata') !== null, 'a request that carried the pair gets the server\'s pair');
  const plain = await fetch(`http://127.0.0.1:${port}/direct`);
  await plain.arrayBuffer();
  assert.equal(plain.headers.get('x-envoy-peer-metadata'), null, 'no pair in, no pair out');
});

test('istio.stats before tcp_proxy counts bytes and connections', async () => {
  const port = await server.listenerPort('tcpInbound');
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write('hello');
  const got = await new Promise<string>((r) => sock.once('data', (d: Buffer) => r(d.toString())));
  assert.equal(got, 'hello');
  const closed = new Promise((r) => sock.once('close', r));
  const tcpLabels = [
    'reporter="destination"', 'source_workload="unknown"', 'source_canonical_service="unknown"',
    'source_canonical_revision="latest"', 'source_workload_namespace="unknown"', 'source_principal="unknown"',
    'source_app="unknown"', 'source_version="unknown"', 'source_cluster="unknown"', 'destination_workload="web"',
    'destination_workload_namespace="shop"', 'destination_principal="unknown"', 'destination_app="web"',
    'destination_version="v1"', 'destination_service="tcp-echo.shop.svc.cluster.local"',
    'destination_canonical_service="web"', 'destination_canonical_revision="v1"', 'destination_service_name="tcp-echo"',
    'destination_service_namespace="shop"', 'destination_cluster="Kubernetes"', 'request_protocol="tcp"',
    'response_flags="-"', 'connection_security_policy="none"',
  ].join(',');
  const open = [`istio_tcp_received_bytes_total{${tcpLabels}} 5`, `istio_tcp_sent_bytes_total{${tcpLabels}} 5`,
    `istio_tcp_connections_opened_total{${tcpLabels}} 1`];
  // tcp_reporting_duration 0.2s: the bytes show while the connection is still open.
  const openText = await waitFor('tcp metrics of an open connection', 5000, async () => {
    const t = await metrics(server);
    return open.every((w) => t.includes(w)) ? t : undefined;
  }).catch(async () => assert.fail(await metrics(server)));
  assert.doesNotMatch(openText, /istio_tcp_connections_closed_total/);
  sock.end();
  await closed;
  const want = [...open, `istio_tcp_connections_closed_total{${tcpLabels}} 1`];
  await waitFor('tcp metrics', 5000, async () => {
    const t = await metrics(server);
    return want.every((w) => t.includes(w)) ? t : undefined;
  }).catch(async () => assert.fail(await metrics(server)));
});

test('a server sidecar reports mutual_tls and the client certificate\'s URI SAN as source_principal', async () => {
  const port = await server.listenerPort('mtlsInbound');
  const status = await new Promise<number>((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/mtls', cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey),
      rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  assert.equal(status, 200);
  await waitFor('mtls metric', 5000, async () => {
    const t = await metrics(server);
    return /^istio_requests_total\{reporter="destination",[^}]*source_principal="spiffe:\/\/cluster\.local\/ns\/default\/sa\/client"[^}]*destination_principal="unknown"[^}]*connection_security_policy="mutual_tls"\} 1$/m
      .test(t) ? t : undefined;
  }).catch(async () => assert.fail(await metrics(server)));
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
