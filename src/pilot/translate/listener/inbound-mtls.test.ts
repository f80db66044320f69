// virtualInbound per PeerAuthentication mode, as istiod builds it: the chains of each port (transport
// protocol, ALPN, Istio's DownstreamTlsContext over SDS), the tls_inspector and where it is off,
// workloads without SDS certificates, and gateways left alone; every listener loads in the proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { registry } from '../../../xds/registry.js';
import type { ConfigObject } from '../../config/object.js';
import type { PeerAuthenticationSpec } from '../../config/kinds/peer-authentication.js';
import { buildListenersOf } from './test-support.js';
import { proxyLoadError } from './proxy-load.js';
import { fakeInstance, fakeProxy, fakePush, fakeService, loadBook } from './test-support.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const NS = 'istioinaction';
const catalog = fakeService(`catalog.${NS}.svc.cluster.local`, NS, [{ name: 'http', port: 80, targetPort: 3000, protocol: 'HTTP' }]);
const db = fakeService(`db.${NS}.svc.cluster.local`, NS, [{ name: 'tcp-db', port: 5432, targetPort: 5432, protocol: 'TCP' }]);
const instances = [fakeInstance(catalog.hostname, 'http', 80, 3000), fakeInstance(db.hostname, 'tcp-db', 5432, 5432)];
const proxy = fakeProxy('sidecar', NS, { labels: { app: 'catalog' } });

function pa(namespace: string, spec: PeerAuthenticationSpec, name = 'default'): ConfigObject {
  return { apiVersion: 'security.istio.io/v1beta1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec };
}

function inbound(policies: ConfigObject[], workloadSds = true): { l: Listener; j: J } {
  const ls = buildListenersOf(fakePush({ mesh: { workloadSds }, services: [catalog, db], proxyInstances: instances, configs: policies }), proxy);
  const l = ls.find((x) => x.name === 'virtualInbound');
  assert.ok(l);
  assert.equal(proxyLoadError(l), '', 'the proxy loads virtualInbound');
  return { l, j: toJson(ListenerSchema, l, { registry }) as JsonObject as J };
}

/** Each chain as [name, port, transport, ALPN match, terminates TLS]. */
const shape = (j: J) => (j.filterChains as J[]).map((c) => [c.name, c.filterChainMatch.destinationPort,
  c.filterChainMatch.transportProtocol, c.filterChainMatch.applicationProtocols ?? [], c.transportSocket !== undefined]);
const ISTIO_ALPNS = ['istio', 'istio-peer-exchange', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2'];
const BLACKHOLE = ['virtualInbound-blackhole', 15006, undefined, [], false];

test('PERMISSIVE (no policy): Istio mTLS by ALPN and plaintext on each port, plain TLS passed through on TCP', () => {
  const { j } = inbound([]);
  assert.deepEqual(shape(j), [BLACKHOLE,
    ['0.0.0.0_3000', 3000, 'tls', ISTIO_ALPNS, true], ['0.0.0.0_3000', 3000, 'raw_buffer', [], false],
    ['0.0.0.0_5432', 5432, 'tls', ISTIO_ALPNS, true], ['0.0.0.0_5432', 5432, 'raw_buffer', [], false],
    ['0.0.0.0_5432', 5432, 'tls', [], false]]);
  // tls_inspector where a chain matches on TLS (both ports), off elsewhere (15006); no time limit, chains matched anyway after one.
  assert.deepEqual(j.listenerFilters, [{
    name: 'envoy.filters.listener.tls_inspector',
    typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' },
    filterDisabled: { notMatch: { orMatch: { rules: [{ destinationPortRange: { start: 3000, end: 3001 } }, { destinationPortRange: { start: 5432, end: 5433 } }] } } },
  }]);
  assert.equal(j.listenerFiltersTimeout, '0s');
  assert.equal(j.continueOnListenerFiltersTimeout, true);
  // The same filters on the mTLS and the plaintext chain of a port.
  assert.deepEqual(j.filterChains[1].filters, j.filterChains[2].filters);
});

test('the mTLS chain\'s DownstreamTlsContext: SDS default and ROOTCA, client certificate required, TLS 1.2-1.3, ALPN', () => {
  const { j } = inbound([]);
  const http = j.filterChains[1].transportSocket;
  assert.equal(http.name, 'envoy.transport_sockets.tls');
  const sds = (name: string) => ({ name, sdsConfig: { apiConfigSource: { apiType: 'GRPC', transportApiVersion: 'V3',
    grpcServices: [{ envoyGrpc: { clusterName: 'sds-grpc' } }], setNodeOnFirstMessageOnly: true }, initialFetchTimeout: '0s', resourceApiVersion: 'V3' } });
  assert.deepEqual(http.typedConfig, {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    commonTlsContext: {
      tlsParams: { tlsMinimumProtocolVersion: 'TLSv1_2', tlsMaximumProtocolVersion: 'TLSv1_3', cipherSuites: [
        'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256',
        'ECDHE-RSA-AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-GCM-SHA256'] },
      tlsCertificateSdsSecretConfigs: [sds('default')],
      combinedValidationContext: { defaultValidationContext: {}, validationContextSdsSecretConfig: sds('ROOTCA') },
      alpnProtocols: ['h2', 'http/1.1'],
    },
    requireClientCertificate: true,
  });
  // Metadata exchange leads every inbound chain (idle on HTTP ones, whose ALPN never offers its protocol).
  assert.deepEqual(j.filterChains[1].filters.map((f: { name: string }) => f.name), ['istio.metadata_exchange', 'envoy.filters.network.http_connection_manager']);
  // TCP chains offer istio-peer-exchange first (ALPNDownstreamWithMxc), for the chain's metadata exchange filter.
  const tcp = j.filterChains[3];
  assert.deepEqual(tcp.transportSocket, { ...http, typedConfig: { ...http.typedConfig,
    commonTlsContext: { ...http.typedConfig.commonTlsContext, alpnProtocols: ['istio-peer-exchange', 'h2', 'http/1.1'] } } });
  assert.deepEqual(tcp.filters.map((f: { name: string }) => f.name), ['istio.metadata_exchange', 'istio.stats', 'envoy.filters.network.tcp_proxy']);
  assert.deepEqual(tcp.filters[0].typedConfig, { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
    typeUrl: 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange',
    value: { protocol: 'istio-peer-exchange', enable_discovery: true } });
});

test('STRICT: only the TLS chain, any ALPN; a plaintext connection matches no chain', () => {
  const { j } = inbound([pa('istio-system', { mtls: { mode: 'STRICT' } })]);
  assert.deepEqual(shape(j), [BLACKHOLE, ['0.0.0.0_3000', 3000, 'tls', [], true], ['0.0.0.0_5432', 5432, 'tls', [], true]]);
});

test('DISABLE: plaintext only, and no tls_inspector at all', () => {
  const { j } = inbound([pa(NS, { mtls: { mode: 'DISABLE' } })]);
  assert.deepEqual(shape(j), [BLACKHOLE, ['0.0.0.0_3000', 3000, 'raw_buffer', [], false], ['0.0.0.0_5432', 5432, 'raw_buffer', [], false]]);
  assert.equal(j.listenerFilters, undefined);
});

test('port level: a STRICT workload with port 5432 DISABLE; the inspector runs on 3000 only', () => {
  const { j } = inbound([pa(NS, { selector: { matchLabels: { app: 'catalog' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 5432: { mode: 'DISABLE' } } }, 'catalog')]);
  assert.deepEqual(shape(j), [BLACKHOLE, ['0.0.0.0_3000', 3000, 'tls', [], true], ['0.0.0.0_5432', 5432, 'raw_buffer', [], false]]);
  assert.deepEqual(j.listenerFilters[0].filterDisabled, { notMatch: { destinationPortRange: { start: 3000, end: 3001 } } });
});

test('without SDS workload certificates: PERMISSIVE serves plaintext only, STRICT closes its port (no chain)', () => {
  assert.deepEqual(shape(inbound([], false).j), [BLACKHOLE, ['0.0.0.0_3000', 3000, 'raw_buffer', [], false],
    ['0.0.0.0_5432', 5432, 'raw_buffer', [], false], ['0.0.0.0_5432', 5432, 'tls', [], false]]);
  assert.deepEqual(shape(inbound([pa(NS, { mtls: { mode: 'STRICT' } })], false).j), [BLACKHOLE]);
});

test('gateways are untouched by PeerAuthentication: the same listeners under a STRICT mesh policy', () => {
  const configs = loadBook('ch4/coolstore-gw.yaml', NS);
  const gw = fakeProxy('router', 'istio-system');
  const gwInstances = [fakeInstance('istio-ingressgateway.istio-system.svc.cluster.local', 'http2', 80, 8080)];
  const build = (extra: ConfigObject[]) => buildListenersOf(fakePush({ mesh: { workloadSds: true }, configs: [...configs, ...extra],
    proxyInstances: gwInstances }), gw).map((l) => toJson(ListenerSchema, l, { registry }));
  const plain = build([]);
  assert.deepEqual(plain.map((l) => (l as J).name), ['0.0.0.0_8080']);
  assert.deepEqual(build([pa('istio-system', { mtls: { mode: 'STRICT' } }), pa(NS, { mtls: { mode: 'DISABLE' } })]), plain);
});
