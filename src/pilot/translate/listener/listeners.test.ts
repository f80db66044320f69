// Listener translator on the book's configs: gateway listeners (HTTP, SIMPLE/MUTUAL TLS with SNI,
// TCP), sidecar listeners (virtualOutbound, per-port outbound, HTTP proxy, virtualInbound), all loadable by the proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { ListenerSchema, type Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { registry } from '../../../xds/registry.js';
import type { ConfigObject } from '../../config/object.js';
import type { GatewayBuildIssue } from './index.js';
import { buildListenersOf } from './test-support.js';
import { proxyLoadError } from './proxy-load.js';
import { fakeInstance, fakeProxy, fakePush, fakeService, loadBook, tlsSecretData } from './test-support.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const json = (l: Listener): J => toJson(ListenerSchema, l, { registry }) as JsonObject as J;
const byName = (ls: Listener[], name: string): J => {
  const l = ls.find((x) => x.name === name);
  assert.ok(l, `listener ${name} in ${ls.map((x) => x.name).join(',')}`);
  return json(l);
};
// The chain's terminal filter (Istio's stats filter may come first on TCP chains).
const filterOf = (chain: J): J => chain.filters.at(-1).typedConfig;

const GW_NS = 'istio-system';
const gatewayInstances = [fakeInstance('istio-ingressgateway.istio-system.svc.cluster.local', 'http2', 80, 8080),
  fakeInstance('istio-ingressgateway.istio-system.svc.cluster.local', 'https', 443, 8443)];
const gatewayProxy = fakeProxy('router', GW_NS);

function assertLoads(ls: Listener[]): void {
  for (const l of ls) assert.equal(proxyLoadError(l), '', `proxy loads ${l.name}`);
}

test('ch2 ingress gateway: 0.0.0.0_8080 (service port 80 -> pod 8080) with RDS http.8080', () => {
  const configs = loadBook('ch2/ingress-gateway.yaml', 'istioinaction');
  const ls = buildListenersOf(fakePush({ configs, proxyInstances: gatewayInstances }), gatewayProxy);
  assert.deepEqual(ls.map((l) => l.name), ['0.0.0.0_8080']);
  const l = byName(ls, '0.0.0.0_8080');
  assert.deepEqual(l.address, { socketAddress: { address: '0.0.0.0', portValue: 8080 } });
  const hcm = filterOf(l.filterChains[0]);
  assert.equal(hcm.statPrefix, 'outbound_0.0.0.0_8080');
  assert.equal(hcm.rds.routeConfigName, 'http.8080');
  assert.deepEqual(hcm.rds.configSource, { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' });
  assert.equal(hcm.useRemoteAddress, true);
  assert.equal(hcm.stripAnyHostPort, true);
  assert.deepEqual(hcm.httpFilters.map((f: J) => f.name), ['istio.metadata_exchange', 'envoy.filters.http.fault', 'envoy.filters.http.cors', 'istio.stats', 'envoy.filters.http.router']);
  assert.equal(l.listenerFilters, undefined, 'no tls_inspector without TLS');
  assertLoads(ls);
});

test('ch4 SIMPLE TLS: credentialName secret inlined, SNI match, ALPN h2/http1.1, https route name', () => {
  const configs = loadBook('ch4/coolstore-gw-tls.yaml', GW_NS);
  const secrets = { [`${GW_NS}/webapp-credential`]: tlsSecretData('ch4/certs/3_application/certs/webapp.istioinaction.io.cert.pem',
    'ch4/certs/3_application/private/webapp.istioinaction.io.key.pem') };
  const ls = buildListenersOf(fakePush({ configs, secrets, proxyInstances: gatewayInstances }), gatewayProxy);
  assert.deepEqual(ls.map((l) => l.name), ['0.0.0.0_8080', '0.0.0.0_8443']);
  const l = byName(ls, '0.0.0.0_8443');
  assert.equal(l.listenerFilters[0].name, 'envoy.filters.listener.tls_inspector');
  const chain = l.filterChains[0];
  assert.deepEqual(chain.filterChainMatch.serverNames, ['webapp.istioinaction.io']);
  const tls = chain.transportSocket.typedConfig;
  assert.deepEqual(tls.commonTlsContext.alpnProtocols, ['h2', 'http/1.1']);
  const pem = Buffer.from(tls.commonTlsContext.tlsCertificates[0].certificateChain.inlineBytes, 'base64').toString();
  assert.match(pem, /BEGIN CERTIFICATE/);
  assert.equal(tls.requireClientCertificate, false);
  assert.equal(tls.commonTlsContext.tlsParams, undefined, 'no tls_params unless the server sets versions or ciphers');
  assert.equal(filterOf(chain).rds.routeConfigName, 'https.443.https.coolstore-gateway.istio-system');
  assertLoads(ls);
});

test('ch4 MUTUAL TLS: client certificates required, CA from the -cacert secret', () => {
  const configs = loadBook('ch4/coolstore-gw-mtls.yaml', GW_NS);
  const secrets = {
    [`${GW_NS}/webapp-credential-mtls`]: tlsSecretData('ch4/certs/3_application/certs/webapp.istioinaction.io.cert.pem',
      'ch4/certs/3_application/private/webapp.istioinaction.io.key.pem'),
    [`${GW_NS}/webapp-credential-mtls-cacert`]: { 'ca.crt': tlsSecretData('ch4/certs/2_intermediate/certs/ca-chain.cert.pem', 'ch4/certs/2_intermediate/certs/ca-chain.cert.pem')['tls.crt'] },
  };
  const ls = buildListenersOf(fakePush({ configs, secrets, proxyInstances: gatewayInstances }), gatewayProxy);
  const tls = byName(ls, '0.0.0.0_8443').filterChains[0].transportSocket.typedConfig;
  assert.equal(tls.requireClientCertificate, true);
  const tls13 = loadBook('ch4/coolstore-gw-mtls.yaml', GW_NS).map((o) => ({ ...o, spec: { ...(o.spec as J),
    servers: (o.spec as J).servers.map((s: J) => (s.tls ? { ...s, tls: { ...s.tls, minProtocolVersion: 'TLSV1_3' } } : s)) } }));
  const params = byName(buildListenersOf(fakePush({ configs: tls13, secrets, proxyInstances: gatewayInstances }), gatewayProxy), '0.0.0.0_8443')
    .filterChains[0].transportSocket.typedConfig.commonTlsContext.tlsParams;
  assert.deepEqual(params, { tlsMinimumProtocolVersion: 'TLSv1_3' });
  assert.ok(tls.commonTlsContext.validationContext.trustedCa.inlineBytes);
  assertLoads(ls);
});

test('ch4 multi TLS: one chain per server with its own SNI and certificate; a missing secret is reported', () => {
  const configs = loadBook('ch4/coolstore-gw-multi-tls.yaml', GW_NS);
  const secrets = {
    [`${GW_NS}/webapp-credential`]: tlsSecretData('ch4/certs/3_application/certs/webapp.istioinaction.io.cert.pem',
      'ch4/certs/3_application/private/webapp.istioinaction.io.key.pem'),
    [`${GW_NS}/catalog-credential`]: tlsSecretData('ch4/certs2/3_application/certs/catalog.istioinaction.io.cert.pem',
      'ch4/certs2/3_application/private/catalog.istioinaction.io.key.pem'),
  };
  const ls = buildListenersOf(fakePush({ configs, secrets, proxyInstances: gatewayInstances }), gatewayProxy);
  const chains = byName(ls, '0.0.0.0_8443').filterChains as J[];
  assert.deepEqual(chains.map((c) => c.filterChainMatch.serverNames), [['webapp.istioinaction.io'], ['catalog.istioinaction.io']]);
  assert.deepEqual(chains.map((c) => filterOf(c).rds.routeConfigName),
    ['https.443.https-webapp.coolstore-gateway.istio-system', 'https.443.https-catalog.coolstore-gateway.istio-system']);
  assertLoads(ls);
  const issues: GatewayBuildIssue[] = [];
  const partial = buildListenersOf(fakePush({ configs, secrets: { [`${GW_NS}/webapp-credential`]: secrets[`${GW_NS}/webapp-credential`] } }), gatewayProxy, issues);
  assert.equal(byName(partial, '0.0.0.0_443').filterChains.length, 1);
  assert.deepEqual(issues, [{ gateway: 'istio-system/coolstore-gateway', server: 'https-catalog', reason: 'secret istio-system/catalog-credential not found' }]);
});

test('ch4 TCP gateway: tcp_proxy to the VirtualService tcp route, weighted clusters when several', () => {
  const gw = loadBook('ch4/gateway-tcp.yaml', GW_NS);
  const vs = (route: unknown[]): ConfigObject => ({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService',
    metadata: { name: 'tcp-echo-vs-from-gw', namespace: 'istioinaction' },
    spec: { hosts: ['*'], gateways: ['istio-system/echo-tcp-gateway'], tcp: [{ match: [{ port: 31400 }], route }] } });
  const one = buildListenersOf(fakePush({ configs: [...gw, vs([{ destination: { host: 'tcp-echo-service', port: { number: 2701 } } }])] }), gatewayProxy);
  const tcp = filterOf(byName(one, '0.0.0.0_31400').filterChains[0]);
  assert.equal(tcp.cluster, 'outbound|2701||tcp-echo-service.istioinaction.svc.cluster.local');
  assert.equal(tcp.statPrefix, 'outbound|2701||tcp-echo-service.istioinaction.svc.cluster.local');
  assertLoads(one);
  const two = buildListenersOf(fakePush({ configs: [...gw, vs([
    { destination: { host: 'tcp-echo-service', port: { number: 2701 }, subset: 'v1' }, weight: 80 },
    { destination: { host: 'tcp-echo-service', port: { number: 2701 }, subset: 'v2' }, weight: 20 }])] }), gatewayProxy);
  assert.deepEqual(filterOf(byName(two, '0.0.0.0_31400').filterChains[0]).weightedClusters.clusters, [
    { name: 'outbound|2701|v1|tcp-echo-service.istioinaction.svc.cluster.local', weight: 80 },
    { name: 'outbound|2701|v2|tcp-echo-service.istioinaction.svc.cluster.local', weight: 20 }]);
  assert.deepEqual(buildListenersOf(fakePush({ configs: gw }), gatewayProxy), [], 'no tcp route: no listener');
});

test('TLS PASSTHROUGH gateway: tls_inspector and a chain per VirtualService sniHosts', () => {
  const configs: ConfigObject[] = [
    { apiVersion: 'networking.istio.io/v1alpha3', kind: 'Gateway', metadata: { name: 'sni-gw', namespace: GW_NS },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 31400, name: 'tls', protocol: 'TLS' }, hosts: ['*'], tls: { mode: 'PASSTHROUGH' } }] } },
    { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'simple-sni', namespace: 'istioinaction' },
      spec: { hosts: ['simple.sni.istioinaction.io'], gateways: ['istio-system/sni-gw'], tls: [{ match: [{ port: 31400, sniHosts: ['simple.sni.istioinaction.io'] }],
        route: [{ destination: { host: 'simple-tls-service-1', port: { number: 80 } } }] }] } },
  ];
  const ls = buildListenersOf(fakePush({ configs }), gatewayProxy);
  const l = byName(ls, '0.0.0.0_31400');
  assert.equal(l.listenerFilters[0].name, 'envoy.filters.listener.tls_inspector');
  assert.deepEqual(l.filterChains[0].filterChainMatch.serverNames, ['simple.sni.istioinaction.io']);
  assert.equal(filterOf(l.filterChains[0]).cluster, 'outbound|80||simple-tls-service-1.istioinaction.svc.cluster.local');
  assertLoads(ls);
});

const NS = 'istioinaction';
const catalog = fakeService('catalog.istioinaction.svc.cluster.local', NS, [{ name: 'http', port: 80, targetPort: 3000, protocol: 'HTTP' }], ['10.96.0.10']);
const db = fakeService('db.istioinaction.svc.cluster.local', NS, [{ name: 'tcp-db', port: 5432, protocol: 'TCP' }], ['10.96.0.20']);
const sniffed = fakeService('legacy.istioinaction.svc.cluster.local', NS, [{ name: 'legacy', port: 9000, protocol: 'Unsupported' }]);

test('sidecar: virtualOutbound, 0.0.0.0_80 over RDS "80", <vip>_5432 tcp_proxy, unknown protocol as TCP', () => {
  const proxy = fakeProxy('sidecar', NS, { bindAddress: '127.0.0.5' });
  const ls = buildListenersOf(fakePush({ services: [catalog, db, sniffed] }), proxy);
  assert.deepEqual(ls.map((l) => l.name), ['virtualOutbound', '0.0.0.0_80', '10.96.0.20_5432', '0.0.0.0_9000', 'virtualInbound']);
  const vo = byName(ls, 'virtualOutbound');
  assert.deepEqual(vo.address, { socketAddress: { address: '127.0.0.5', portValue: 15001 } });
  assert.equal(vo.useOriginalDst, true);
  assert.deepEqual(vo.filterChains.map((c: J) => [c.name, filterOf(c).cluster]),
    [['virtualOutbound-blackhole', 'BlackHoleCluster'], ['virtualOutbound-catchall-tcp', 'PassthroughCluster']]);
  const http = byName(ls, '0.0.0.0_80');
  assert.equal(http.bindToPort, false);
  const hcm = filterOf(http.filterChains[0]);
  assert.equal(hcm.rds.routeConfigName, '80');
  assert.equal(hcm.statPrefix, 'outbound_0.0.0.0_80');
  assert.equal(hcm.useRemoteAddress, false);
  assert.equal(hcm.normalizePath, true);
  assert.equal(hcm.pathWithEscapedSlashesAction, 'KEEP_UNCHANGED');
  assert.equal(hcm.streamIdleTimeout, '0s');
  assert.equal(hcm.accessLog, undefined);
  const tcp = byName(ls, '10.96.0.20_5432');
  assert.deepEqual(tcp.address, { socketAddress: { address: '10.96.0.20', portValue: 5432 } });
  assert.equal(filterOf(tcp.filterChains[0]).cluster, 'outbound|5432||db.istioinaction.svc.cluster.local');
  assert.equal(filterOf(byName(ls, '0.0.0.0_9000').filterChains[0]).cluster, 'outbound|9000||legacy.istioinaction.svc.cluster.local');
  assertLoads(ls);
});

test('sidecar: REGISTRY_ONLY (mesh or Sidecar) sends the catch-all to BlackHoleCluster; access log when accessLogFile is set', () => {
  const proxy = fakeProxy('sidecar', NS);
  const blocked = buildListenersOf(fakePush({ mesh: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, accessLogFile: '/dev/stdout' }, services: [catalog] }), proxy);
  const chains = byName(blocked, 'virtualOutbound').filterChains as J[];
  assert.equal(filterOf(chains[1]).cluster, 'BlackHoleCluster');
  const log = filterOf(byName(blocked, '0.0.0.0_80').filterChains[0]).accessLog[0];
  assert.equal(log.name, 'envoy.access_loggers.file');
  assert.equal(log.typedConfig.path, '/dev/stdout');
  assert.match(log.typedConfig.logFormat.textFormatSource.inlineString, /^\[%START_TIME%\] "%REQ\(:METHOD\)%/);
  assertLoads(blocked);
  const sidecar: ConfigObject = { apiVersion: 'networking.istio.io/v1beta1', kind: 'Sidecar', metadata: { name: 'default', namespace: NS },
    spec: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } };
  const viaSidecar = buildListenersOf(fakePush({ services: [catalog], configs: [sidecar] }), proxy);
  assert.equal(filterOf((byName(viaSidecar, 'virtualOutbound').filterChains as J[])[1]).cluster, 'BlackHoleCluster');
});

test('sidecar: explicit HTTP proxy listener 127.0.0.1_<port> with RDS http_proxy and absolute URLs allowed', () => {
  const proxy = fakeProxy('sidecar', NS, { bindAddress: '127.0.0.5', httpProxyPort: 15080 });
  const ls = buildListenersOf(fakePush({ services: [catalog] }), proxy);
  const hp = byName(ls, '127.0.0.1_15080');
  assert.deepEqual(hp.address, { socketAddress: { address: '127.0.0.5', portValue: 15080 } });
  const hcm = filterOf(hp.filterChains[0]);
  assert.equal(hcm.rds.routeConfigName, 'http_proxy');
  assert.equal(hcm.statPrefix, 'outbound_127.0.0.1_15080');
  assert.equal(hcm.httpProtocolOptions.allowAbsoluteUrl, true);
  assertLoads(ls);
});

test('sidecar: virtualInbound chains per target port, inline inbound route, additional addresses on the target ports', () => {
  const proxy = fakeProxy('sidecar', NS, { bindAddress: '127.0.0.5' });
  const instances = [fakeInstance(catalog.hostname, 'http', 80, 3000), fakeInstance(db.hostname, 'tcp-db', 5432, 5432)];
  const ls = buildListenersOf(fakePush({ services: [catalog, db], proxyInstances: instances }), proxy);
  const vi = byName(ls, 'virtualInbound');
  assert.deepEqual(vi.address, { socketAddress: { address: '127.0.0.5', portValue: 15006 } });
  assert.deepEqual(vi.additionalAddresses, [
    { address: { socketAddress: { address: '127.0.0.5', portValue: 3000 } } },
    { address: { socketAddress: { address: '127.0.0.5', portValue: 5432 } } }]);
  const chains = vi.filterChains as J[];
  // PERMISSIVE (no PeerAuthentication) without workload certificates: plaintext, and on TCP other TLS passed through.
  assert.deepEqual(chains.map((c) => [c.name, c.filterChainMatch.destinationPort, c.filterChainMatch.transportProtocol]),
    [['virtualInbound-blackhole', 15006, undefined], ['0.0.0.0_3000', 3000, 'raw_buffer'], ['0.0.0.0_5432', 5432, 'raw_buffer'],
      ['0.0.0.0_5432', 5432, 'tls']]);
  const hcm = filterOf(chains[1]);
  assert.equal(hcm.statPrefix, 'inbound_0.0.0.0_3000');
  assert.equal(hcm.serverName, 'istio-envoy');
  assert.equal(hcm.forwardClientCertDetails, 'APPEND_FORWARD');
  const rc = hcm.routeConfig;
  assert.equal(rc.name, 'inbound|3000||');
  assert.equal(rc.virtualHosts[0].name, 'inbound|http|3000');
  assert.deepEqual(rc.virtualHosts[0].domains, ['*']);
  assert.equal(rc.virtualHosts[0].routes[0].name, 'default');
  assert.equal(rc.virtualHosts[0].routes[0].route.cluster, 'inbound|3000||');
  assert.equal(rc.virtualHosts[0].routes[0].route.timeout, '0s');
  assert.equal(filterOf(chains[2]).cluster, 'inbound|5432||');
  assertLoads(ls);
});
