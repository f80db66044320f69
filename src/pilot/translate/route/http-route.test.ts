// VirtualService HTTP routes translated and compiled by Strait's own route table: the book's
// dark launch, 10/90 weights and mirror route as Istio's do; Istio's defaults; faults, CORS, rewrites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, toJson } from '@bufbuild/protobuf';
import { parseAllDocuments } from 'yaml';
import { RouteConfigurationSchema, type RouteConfiguration } from '../../../xds/gen/envoy/config/route/v3/route_pb.js';
import { RouteSchema, type Route } from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { registry } from '../../../xds/registry.js';
import { compileRouteConfig } from '../../../proxy/router/route-table.js';
import { req } from '../../../proxy/router/test-support.js';
import { validateMessage } from '../../../proxy/bootstrap/pgv-validate.js';
import type { PathError } from '../../../proxy/bootstrap/config-error.js';
import { httpRoutes } from './http-route.js';
import { defaultRoute } from './virtual-host.js';
import type { ClusterResolver, HTTPRoute } from './inputs.js';
import { BOOK_DIR } from '../../../../samples/book-corpus.js';

const BOOK = BOOK_DIR;
const resolve: ClusterResolver = (d) => `outbound|${d.port?.number ?? 80}|${d.subset ?? ''}|${d.host}.istioinaction.svc.cluster.local`;

function vsRoutes(file: string): Route[] {
  const doc = parseAllDocuments(readFileSync(join(BOOK, file), 'utf8'))[0].toJS() as { spec: { http: HTTPRoute[] } };
  return doc.spec.http.flatMap((r) => httpRoutes(r, resolve));
}

function config(routes: Route[]): RouteConfiguration {
  return create(RouteConfigurationSchema, { name: '80', virtualHosts: [{ name: 'catalog.istioinaction.svc.cluster.local:80', domains: ['*'], routes }] });
}

test('ch2 dark launch: x-dark-launch: v2 goes to version-v2, everything else to version-v1', () => {
  const t = compileRouteConfig(config(vsRoutes('ch2/catalog-virtualservice-dark-v2.yaml')));
  assert.equal(t.route(req('/items', { headers: { 'x-dark-launch': 'v2' } }), 0)?.clusterName, 'outbound|80|version-v2|catalog.istioinaction.svc.cluster.local');
  assert.equal(t.route(req('/items', { headers: { 'x-dark-launch': 'v3' } }), 0)?.clusterName, 'outbound|80|version-v1|catalog.istioinaction.svc.cluster.local');
  assert.equal(t.route(req('/items'), 0)?.clusterName, 'outbound|80|version-v1|catalog.istioinaction.svc.cluster.local');
});

test('ch5 10/90 weights split by weight; the mirror route mirrors 100% to version-v2', () => {
  const t = compileRouteConfig(config(vsRoutes('ch5/catalog-vs-v2-10-90-mesh.yaml')));
  const counts = new Map<string, number>();
  for (let i = 0; i < 100; i++) {
    const c = t.route(req('/items'), i / 100)!.clusterName;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  assert.equal(counts.get('outbound|80|version-v1|catalog.istioinaction.svc.cluster.local'), 90);
  assert.equal(counts.get('outbound|80|version-v2|catalog.istioinaction.svc.cluster.local'), 10);
  const mirror = vsRoutes('ch5/catalog-vs-v2-mirror.yaml')[0];
  assert.equal(mirror.action.case, 'route');
  const action = mirror.action.value as { requestMirrorPolicies: { cluster: string; runtimeFraction?: { defaultValue?: { numerator: number } } }[] };
  assert.equal(action.requestMirrorPolicies[0].cluster, 'outbound|80|version-v2|catalog.istioinaction.svc.cluster.local');
  assert.equal(action.requestMirrorPolicies[0].runtimeFraction?.defaultValue?.numerator, 1_000_000);
});

test('Istio defaults: timeout 0s, 2 retries on Istio\'s conditions with previous_hosts; attempts 0 removes retries', () => {
  const [r] = httpRoutes({ route: [{ destination: { host: 'catalog' } }] }, resolve);
  const json = toJson(RouteSchema, r, { registry, useProtoFieldName: true }) as Record<string, any>;
  assert.equal(json.route.timeout, '0s');
  assert.equal(json.route.retry_policy.num_retries, 2);
  assert.equal(json.route.retry_policy.retry_on, 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes');
  assert.equal(json.route.retry_policy.host_selection_retry_max_attempts, '5');
  assert.equal(json.route.retry_policy.retry_host_predicate[0].name, 'envoy.retry_host_predicates.previous_hosts');
  const [none] = httpRoutes({ route: [{ destination: { host: 'catalog' } }], retries: { attempts: 0 } }, resolve);
  assert.equal((none.action.value as { retryPolicy?: unknown }).retryPolicy, undefined);
  const [custom] = httpRoutes({ route: [{ destination: { host: 'catalog' } }], timeout: '0.5s',
    retries: { attempts: 3, retryOn: '5xx,503,gateway-error', perTryTimeout: '100ms' } }, resolve);
  const cj = toJson(RouteSchema, custom, { registry, useProtoFieldName: true }) as Record<string, any>;
  assert.equal(cj.route.timeout, '0.500s');
  assert.equal(cj.route.retry_policy.retry_on, '5xx,gateway-error,retriable-status-codes');
  assert.deepEqual(cj.route.retry_policy.retriable_status_codes, [503]);
  assert.equal(cj.route.retry_policy.per_try_timeout, '0.100s');
});

test('matches, rewrites, redirects, direct responses, headers, fault and CORS compile in the proxy\'s route table', () => {
  const routes = [
    ...httpRoutes({ match: [{ uri: { prefix: '/api' }, method: { exact: 'GET' }, ignoreUriCase: true, queryParams: { v: { regex: '[0-9]+' } } }],
      rewrite: { uri: '/', authority: 'catalog.internal' }, route: [{ destination: { host: 'catalog' } }],
      headers: { request: { set: { 'X-A': '1' }, remove: ['x-b'] }, response: { add: { 'x-c': '2' } } } }, resolve),
    ...httpRoutes({ match: [{ uri: { exact: '/old' } }], redirect: { uri: '/new', authority: 'example.org', redirectCode: 302 } }, resolve),
    ...httpRoutes({ match: [{ withoutHeaders: { 'x-user': {} } }], directResponse: { status: 403, body: { string: 'no user' } } }, resolve),
    ...httpRoutes({ match: [{ uri: { prefix: '/f' } }], fault: { abort: { httpStatus: 500, percentage: { value: 50 } },
      delay: { fixedDelay: '1s', percentage: { value: 0.1 } } }, corsPolicy: { allowOrigins: [{ exact: 'https://a.example' }],
      allowMethods: ['GET', 'POST'], maxAge: '24h' }, route: [{ destination: { host: 'catalog', subset: 'v1' } }] }, resolve),
  ];
  const rc = config(routes);
  const t = compileRouteConfig(rc);
  assert.equal(t.route(req('/API/x?v=12', { method: 'GET', headers: { 'x-user': 'u' } }), 0)?.clusterName,
    'outbound|80||catalog.istioinaction.svc.cluster.local');
  assert.equal(t.route(req('/api/x?v=ab', { method: 'GET' }), 0)?.route.action.kind, 'direct_response',
    'the query mismatch falls through to the withoutHeaders match');
  assert.equal(t.route(req('/api/x?v=ab', { method: 'GET', headers: { 'x-user': 'u' } }), 0), null);
  const fault = routes[3].typedPerFilterConfig['envoy.filters.http.fault'];
  assert.ok(fault !== undefined && routes[3].typedPerFilterConfig['envoy.filters.http.cors'] !== undefined);
  // The whole route config passes the proxy's protoc-gen-validate rules (what an xDS client checks).
  const errors: PathError[] = [];
  validateMessage(RouteConfigurationSchema, rc, [], registry, errors);
  assert.deepEqual(errors, []);
  const json = toJson(RouteConfigurationSchema, rc, { registry, useProtoFieldName: true }) as Record<string, any>;
  const vh = json.virtual_hosts[0];
  assert.equal(vh.routes[1].redirect.response_code, 'FOUND');
  assert.equal(vh.routes[3].typed_per_filter_config['envoy.filters.http.fault'].abort.percentage.numerator, 500000);
  assert.equal(vh.routes[3].typed_per_filter_config['envoy.filters.http.cors'].max_age, '86400');
  assert.equal(vh.routes[0].request_headers_to_add[0].append_action, 'OVERWRITE_IF_EXISTS_OR_ADD');
});

test('sidecar virtual hosts: domains by caller namespace, first host keeps a domain, catch-all modes', async () => {
  const { sidecarDomains, sidecarVirtualHost, defaultRoute, catchAllVirtualHost, routeConfiguration } = await import('./virtual-host.js');
  const fqdn = 'catalog.istioinaction.svc.cluster.local';
  assert.deepEqual(sidecarDomains(fqdn, 'istioinaction', 'istioinaction', ['10.96.0.5']),
    [fqdn, 'catalog', 'catalog.istioinaction.svc', 'catalog.istioinaction', '10.96.0.5']);
  assert.deepEqual(sidecarDomains(fqdn, 'istioinaction', 'default'), [fqdn, 'catalog.istioinaction.svc', 'catalog.istioinaction']);
  const catalog = sidecarVirtualHost(fqdn, 80, sidecarDomains(fqdn, 'istioinaction', 'istioinaction'), [defaultRoute(`outbound|80||${fqdn}`)]);
  const dup = sidecarVirtualHost('catalog.other', 80, ['catalog', 'catalog.other'], [defaultRoute('outbound|80||catalog.other')]);
  const rc = routeConfiguration('80', [catalog, dup, catchAllVirtualHost('ALLOW_ANY')], { sidecar: true });
  assert.deepEqual(rc.virtualHosts.map((v) => v.name), [`${fqdn}:80`, 'catalog.other:80', 'allow_any']);
  assert.deepEqual(rc.virtualHosts[1].domains, ['catalog.other'], 'the earlier host keeps `catalog`');
  const t = compileRouteConfig(rc);
  assert.equal(t.route(req('/items', { authority: 'catalog:80' }), 0)?.clusterName, `outbound|80||${fqdn}`, 'the port is ignored');
  assert.equal(t.route(req('/', { authority: 'example.org' }), 0)?.clusterName, 'PassthroughCluster');
  const blocked = compileRouteConfig(routeConfiguration('80', [catchAllVirtualHost('REGISTRY_ONLY')], { sidecar: true }));
  assert.equal(blocked.route(req('/', { authority: 'example.org' }), 0)?.route.action.kind, 'direct_response');
});

test('routes carry istiod\'s span name: host:port and path for one cluster, the VirtualService\'s name for weights, the default route', () => {
  const dark = vsRoutes('ch2/catalog-virtualservice-dark-v2.yaml');
  assert.deepEqual(dark.map((r) => r.decorator?.operation), ['catalog.istioinaction.svc.cluster.local:80/*', 'catalog.istioinaction.svc.cluster.local:80/*']);
  const exact = httpRoutes({ match: [{ uri: { exact: '/items' } }, { uri: { prefix: '/api' } }], route: [{ destination: { host: 'catalog' } }] }, resolve);
  assert.deepEqual(exact.map((r) => r.decorator?.operation), ['catalog.istioinaction.svc.cluster.local:80/items', 'catalog.istioinaction.svc.cluster.local:80/api*']);
  const weighted = vsRoutes('ch5/catalog-vs-v2-10-90-mesh.yaml');
  assert.equal(weighted[0]?.decorator, undefined, 'no VirtualService name given');
  const named = httpRoutes({ route: [{ destination: { host: 'catalog', subset: 'v1' }, weight: 90 }, { destination: { host: 'catalog', subset: 'v2' }, weight: 10 }] },
    resolve, { operationPrefix: 'catalog-vs-from-gw:80' });
  assert.equal(named[0]?.decorator?.operation, 'catalog-vs-from-gw:80/*');
  assert.equal(defaultRoute('outbound|80||webapp.istioinaction.svc.cluster.local').decorator?.operation, 'webapp.istioinaction.svc.cluster.local:80/*');
});
