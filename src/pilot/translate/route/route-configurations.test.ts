// RDS as istiod generates it, checked through Strait's own route table and PGV rules: the book's
// dark launch, weights, mirror, gateways (http.8080, 404 blackhole, httpsRedirect), filters, delegates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson } from '@bufbuild/protobuf';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import { registry } from '../../../xds/registry.js';
import { compileRouteConfig } from '../../../proxy/router/route-table.js';
import { req } from '../../../proxy/router/test-support.js';
import { validateMessage } from '../../../proxy/bootstrap/pgv-validate.js';
import type { PathError } from '../../../proxy/bootstrap/config-error.js';
import type { ConfigObject } from '../../config/object.js';
import { buildRouteConfigurations } from './route-configurations.js';
import { bookObjects, FakePushContext, proxy, service, type FakeInput } from './test-support.js';
import { allViewsIn } from '../../model/proxy-views.js';

const CATALOG = 'catalog.istioinaction.svc.cluster.local';
const WEBAPP = 'webapp.istioinaction.svc.cluster.local';
const services = [service('catalog', 'istioinaction', [[80]], ['10.96.0.5']), service('webapp', 'istioinaction', [[80]])];
const sidecar = proxy('sidecar', 'istioinaction', { app: 'webapp' });
const gatewayProxy = proxy('router', 'istio-system', { istio: 'ingressgateway' });
const gwInstances = [{ servicePort: 80, port: 8080 }, { servicePort: 443, port: 8443 }];

function valid(rc: RouteConfiguration): RouteConfiguration {
  const errors: PathError[] = [];
  validateMessage(RouteConfigurationSchema, rc, [], registry, errors);
  assert.deepEqual(errors, [], `${rc.name} passes PGV`);
  return rc;
}

function build(input: FakeInput, p = sidecar, names?: string[]): Map<string, RouteConfiguration> {
  const push = new FakePushContext({ services, ...input });
  const rcs = buildRouteConfigurations(push, allViewsIn(push, p), names);
  return new Map(rcs.map((r) => [r.name, valid(r)]));
}

const cluster = (rc: RouteConfiguration, path: string, o: Parameters<typeof req>[1] = {}, rand = 0): string | undefined =>
  compileRouteConfig(rc).route(req(path, o), rand)?.clusterName;

test('ch2 dark launch on the sidecar route `80`: x-dark-launch: v2 -> version-v2, else version-v1; webapp keeps its default', () => {
  const rc = build({ configs: bookObjects('ch2/catalog-virtualservice-dark-v2.yaml') }).get('80')!;
  assert.deepEqual(rc.virtualHosts.map((v) => v.name), [`${CATALOG}:80`, `${WEBAPP}:80`, 'allow_any']);
  assert.equal(rc.ignorePortInHostMatching, true);
  assert.equal(cluster(rc, '/items', { authority: 'catalog', headers: { 'x-dark-launch': 'v2' } }), `outbound|80|version-v2|${CATALOG}`);
  assert.equal(cluster(rc, '/items', { authority: 'catalog.istioinaction:80' }), `outbound|80|version-v1|${CATALOG}`);
  assert.equal(cluster(rc, '/', { authority: 'webapp' }), `outbound|80||${WEBAPP}`);
  assert.equal(cluster(rc, '/', { authority: 'example.org' }), 'PassthroughCluster');
  const json = toJson(RouteConfigurationSchema, rc, { registry, useProtoFieldName: true }) as Record<string, any>;
  assert.equal(json.virtual_hosts[0].routes[0].metadata.filter_metadata.istio.config,
    '/apis/networking.istio.io/v1alpha3/namespaces/istioinaction/virtual-service/catalog');
  assert.equal(json.virtual_hosts[1].routes[0].name, 'default');
});

test('ch5 mesh VirtualServices: 10/90 and 50/50 weights, mirror to version-v2', () => {
  for (const [file, v1] of [['ch5/catalog-vs-v2-10-90-mesh.yaml', 90], ['ch5/catalog-vs-v2-50-50-mesh.yaml', 50]] as const) {
    const rc = build({ configs: bookObjects(file) }).get('80')!;
    let n = 0;
    for (let i = 0; i < 100; i++) if (cluster(rc, '/', { authority: 'catalog' }, i / 100) === `outbound|80|version-v1|${CATALOG}`) n++;
    assert.equal(n, v1, file);
  }
  const rc = build({ configs: bookObjects('ch5/catalog-vs-v2-mirror.yaml') }).get('80')!;
  const a = rc.virtualHosts[0].routes[0].action;
  assert.ok(a.case === 'route');
  assert.equal(a.value.requestMirrorPolicies[0].cluster, `outbound|80|version-v2|${CATALOG}`);
});

test('ch4 coolstore gateway: `http.8080`, vhost webapp.istioinaction.io:8080 to webapp, 404 for other hosts', () => {
  const rcs = build({ configs: [...bookObjects('ch4/coolstore-gw.yaml'), ...bookObjects('ch4/coolstore-vs.yaml')], proxyInstances: gwInstances }, gatewayProxy);
  assert.deepEqual([...rcs.keys()], ['http.8080']);
  const rc = rcs.get('http.8080')!;
  assert.deepEqual(rc.virtualHosts.map((v) => [v.name, v.domains]), [['webapp.istioinaction.io:80', ['webapp.istioinaction.io']]]);
  assert.equal(cluster(rc, '/', { authority: 'webapp.istioinaction.io:8080' }), `outbound|80||${WEBAPP}`);
  assert.equal(compileRouteConfig(rc).route(req('/', { authority: 'other.example' }), 0), null, 'no vhost for other hosts');
  const none = build({ configs: bookObjects('ch4/coolstore-gw.yaml'), proxyInstances: gwInstances }, gatewayProxy).get('http.8080')!;
  assert.deepEqual(none.virtualHosts.map((v) => v.name), ['blackhole:80']);
  assert.deepEqual(none.virtualHosts[0].routes, [], 'a vhost with no routes: Envoy 404s (NR)');
  assert.equal(compileRouteConfig(none).route(req('/', { authority: 'webapp.istioinaction.io' }), 0), null);
});

test('ch2 ingress gateway `*`: http.8080 vhost `*:80`; the route names webapp-virtualservice.istioinaction in its metadata', () => {
  const rc = build({ configs: bookObjects('ch2/ingress-gateway.yaml'), proxyInstances: gwInstances }, gatewayProxy).get('http.8080')!;
  assert.deepEqual(rc.virtualHosts.map((v) => [v.name, v.domains]), [['*:80', ['*']]]);
  const meta = toJson(RouteConfigurationSchema, rc, { registry }) as Record<string, any>;
  const config: string = meta.virtualHosts[0].routes[0].metadata.filterMetadata.istio.config;
  const [, , , , , ns, , name] = config.split('/');
  assert.equal(`${name}.${ns}`, 'webapp-virtualservice.istioinaction', 'what istioctl prints as VIRTUAL SERVICE');
  assert.equal(cluster(rc, '/', { authority: 'anything' }), `outbound|80||${WEBAPP}`);
  // Without the gateway Service's port mapping the server port itself is used.
  assert.ok(build({ configs: bookObjects('ch2/ingress-gateway.yaml') }, gatewayProxy).has('http.80'));
});

test('httpsRedirect: the HTTP server vhost requires TLS for ALL; the HTTPS server gets its own https.* route', () => {
  const rcs = build({ configs: [...bookObjects('ch4/coolstore-gw-tls-redirect.yaml'), ...bookObjects('ch4/coolstore-vs.yaml')], proxyInstances: gwInstances }, gatewayProxy);
  // istiod's gatewayRDSRouteName: http.* takes the listener (target) port, https.* keeps the server's port 443.
  assert.deepEqual([...rcs.keys()], ['http.8080', 'https.443.https.coolstore-gateway.istioinaction']);
  const json = toJson(RouteConfigurationSchema, rcs.get('http.8080')!, { registry, useProtoFieldName: true }) as Record<string, any>;
  assert.equal(json.virtual_hosts[0].require_tls, 'ALL');
  const r = compileRouteConfig(rcs.get('http.8080')!).route(req('/', { authority: 'webapp.istioinaction.io' }), 0);
  assert.equal(r?.route.action.kind, 'redirect', 'plain HTTP is redirected to https');
  assert.equal(rcs.get('https.443.https.coolstore-gateway.istioinaction')!.virtualHosts[0].name, 'webapp.istioinaction.io:443');
  const bare = build({ configs: bookObjects('ch4/coolstore-gw-tls-redirect.yaml'), proxyInstances: gwInstances }, gatewayProxy, ['http.8080']);
  assert.deepEqual([...bare.keys()], ['http.8080']);
  const vh = bare.get('http.8080')!.virtualHosts[0];
  assert.deepEqual([vh.name, vh.routes.length, vh.requireTls], ['webapp.istioinaction.io:80', 0, 2], 'no VS: the redirect vhost still exists');
  assert.equal(compileRouteConfig(bare.get('http.8080')!).route(req('/', { authority: 'webapp.istioinaction.io' }), 0)?.route.action.kind, 'redirect');
});

const vs = (name: string, spec: Record<string, unknown>, ts = '2024-01-01T00:00:00Z', namespace = 'istioinaction'): ConfigObject =>
  ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace, creationTimestamp: ts }, spec });

test('per-match sourceLabels, sourceNamespace, port and gateways filter routes for this proxy', () => {
  const two = [service('catalog', 'istioinaction', [[80], [9080]])];
  const configs = [vs('catalog', { hosts: ['catalog'], gateways: ['mesh', 'coolstore-gateway'], http: [
    { match: [{ sourceLabels: { app: 'webapp' } }], route: [{ destination: { host: 'catalog', subset: 'from-webapp' } }] },
    { match: [{ sourceNamespace: 'other' }], route: [{ destination: { host: 'catalog', subset: 'from-other' } }] },
    { match: [{ port: 9080, uri: { prefix: '/p' } }], route: [{ destination: { host: 'catalog', subset: 'port' } }] },
    { match: [{ gateways: ['coolstore-gateway'], uri: { prefix: '/gw' } }], route: [{ destination: { host: 'catalog', subset: 'gw' } }] },
    { route: [{ destination: { host: 'catalog', port: { number: 80 } } }] },
  ] })];
  const rcs = build({ services: two, configs });
  const subsets = (rc: RouteConfiguration): string[] => rc.virtualHosts[0].routes.map((r) =>
    r.action.case === 'route' && r.action.value.clusterSpecifier.case === 'cluster' ? r.action.value.clusterSpecifier.value.split('|')[2] : '?');
  // A kept sourceLabels match is a catch-all `/` route: istiod emits nothing after it.
  assert.deepEqual(subsets(rcs.get('80')!), ['from-webapp']);
  assert.deepEqual(subsets(rcs.get('9080')!), ['from-webapp']);
  assert.deepEqual(subsets(build({ services: two, configs }, proxy('sidecar', 'istioinaction', { app: 'other' })).get('80')!), ['']);
  assert.deepEqual(subsets(build({ services: two, configs }, proxy('sidecar', 'istioinaction', { app: 'other' })).get('9080')!), ['port', '']);
  assert.deepEqual(subsets(build({ services: two, configs }, proxy('sidecar', 'other')).get('80')!), ['from-other']);
  // match.gateways decide alone: a gateway-only match never applies on the mesh.
  assert.ok(!subsets(rcs.get('80')!).includes('gw'));
  // The destination without a port on a two-port service takes the route's port.
  const plain = build({ services: two, configs }, proxy('sidecar', 'istioinaction')).get('9080')!;
  assert.equal(cluster(plain, '/p', { authority: 'catalog:9080' }), `outbound|9080|port|${CATALOG}`);
  assert.equal(cluster(plain, '/q', { authority: 'catalog:9080' }), `outbound|80||${CATALOG}`, 'an explicit port wins');
});

test('sidecars: the oldest VirtualService for a host wins; gateways merge the routes of all of them', () => {
  const older = vs('b-older', { hosts: ['catalog'], gateways: ['mesh', 'coolstore-gateway'], http: [{ match: [{ uri: { prefix: '/a' } }], route: [{ destination: { host: 'catalog', subset: 'old' } }] }] }, '2024-01-01T00:00:00Z');
  const newer = vs('a-newer', { hosts: ['catalog.istioinaction.svc.cluster.local'], gateways: ['mesh', 'coolstore-gateway'], http: [{ route: [{ destination: { host: 'catalog', subset: 'new' } }] }] }, '2024-02-01T00:00:00Z');
  const rc = build({ configs: [newer, older] }).get('80')!;
  assert.equal(cluster(rc, '/a', { authority: 'catalog' }), `outbound|80|old|${CATALOG}`);
  assert.equal(cluster(rc, '/b', { authority: 'catalog' }), undefined, 'the newer VS is ignored for this host');
  const gw = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'coolstore-gateway', namespace: 'istioinaction' },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['istioinaction/*.svc.cluster.local'] }] } };
  const g = build({ configs: [gw, newer, older], proxyInstances: gwInstances }, gatewayProxy).get('http.8080')!;
  assert.deepEqual(g.virtualHosts.map((v) => v.name), [`${CATALOG}:80`]);
  assert.equal(cluster(g, '/a', { authority: CATALOG }), `outbound|80|old|${CATALOG}`);
  assert.equal(cluster(g, '/b', { authority: CATALOG }), `outbound|80|new|${CATALOG}`);
});

test('delegates: the delegate\'s routes under the root match, resolved in the delegate namespace', () => {
  const root = vs('root', { hosts: ['catalog'], http: [
    { match: [{ uri: { prefix: '/api' } }], delegate: { name: 'catalog-api', namespace: 'team' } },
    { route: [{ destination: { host: 'catalog' } }] },
  ] });
  const delegate = { ...vs('catalog-api', { http: [
    { match: [{ uri: { prefix: '/api/v2' } }], route: [{ destination: { host: 'catalog.istioinaction.svc.cluster.local', subset: 'v2' } }] },
    { match: [{ uri: { prefix: '/other' } }], route: [{ destination: { host: 'nope' } }] },
    { route: [{ destination: { host: 'api' } }] },
  ] }, undefined, 'team') };
  const rc = build({ configs: [root, delegate] }).get('80')!;
  assert.equal(cluster(rc, '/api/v2/x', { authority: 'catalog' }), `outbound|80|v2|${CATALOG}`);
  assert.equal(cluster(rc, '/api/x', { authority: 'catalog' }), 'outbound|80||api.team.svc.cluster.local', 'a host not in the registry keeps its cluster name');
  assert.equal(cluster(rc, '/other', { authority: 'catalog' }), `outbound|80||${CATALOG}`, 'the conflicting delegate route is dropped');
});

test('DestinationRule consistentHash becomes the route hash_policy (subset and port level override)', () => {
  const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'catalog', namespace: 'istioinaction' }, spec: {
    host: 'catalog', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } },
    subsets: [{ name: 'version-v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: 'c', ttl: '10s' } } } } },
      { name: 'version-v1', labels: { version: 'v1' } }] } };
  const rc = build({ configs: [dr, ...bookObjects('ch2/catalog-virtualservice-dark-v2.yaml')] }).get('80')!;
  const json = toJson(RouteConfigurationSchema, rc, { registry, useProtoFieldName: true }) as Record<string, any>;
  assert.deepEqual(json.virtual_hosts[0].routes[0].route.hash_policy, [{ cookie: { name: 'c', ttl: '10s' } }]);
  assert.deepEqual(json.virtual_hosts[0].routes[1].route.hash_policy, [{ header: { header_name: 'x-user' } }]);
  assert.equal(json.virtual_hosts[1].routes[0].route.hash_policy, undefined, 'webapp has no DestinationRule');
});

test('http_proxy: all HTTP ports, `host` and `host:port` domains, port ignored as istiod sets it; REGISTRY_ONLY blocks the rest', () => {
  const svcs = [service('catalog', 'istioinaction', [[80]]), service('webapp', 'istioinaction', [[8080]])];
  const rcs = build({ services: svcs, mesh: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } }, proxy('sidecar', 'istioinaction', {}, 15080));
  assert.deepEqual([...rcs.keys()], ['80', '8080', 'http_proxy']);
  const hp = rcs.get('http_proxy')!;
  assert.equal(hp.ignorePortInHostMatching, true);
  assert.equal(hp.maxDirectResponseBodySizeBytes, 1024 * 1024);
  assert.ok(hp.virtualHosts.find((v) => v.name === `${WEBAPP}:8080`)!.domains.includes('webapp.istioinaction:8080'));
  assert.equal(cluster(hp, '/', { authority: 'catalog.istioinaction' }), `outbound|80||${CATALOG}`);
  assert.equal(cluster(hp, '/', { authority: 'webapp.istioinaction:8080' }), `outbound|8080||${WEBAPP}`);
  assert.equal(compileRouteConfig(hp).route(req('/', { authority: 'example.org' }), 0)?.route.action.kind, 'direct_response');
  assert.deepEqual(build({ services: svcs }, sidecar, ['8080']).get('8080')!.virtualHosts.map((v) => v.name), [`${WEBAPP}:8080`, 'allow_any']);
});
