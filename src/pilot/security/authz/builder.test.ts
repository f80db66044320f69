// AuthorizationPolicy translation on the book's chapter 9 policies: which proxies get which RBAC
// filters, in istiod's order and form, and what the proxy's own RBAC engine then decides for
// representative requests (SPIFFE principals, namespaces, JWT claims, hosts, paths, TCP chains).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { parseAllDocuments } from 'yaml';
import type { Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { RBACSchema as HttpRbacSchema, type RBAC as HttpRbac } from '../../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import type { RBAC as NetworkRbac } from '../../../xds/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import type { HttpConnectionManager } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { registry } from '../../../xds/registry.js';
import { HeaderMap } from '../../../proxy/http/headers.js';
import { compileEngines, responseDetail } from '../../../proxy/filters/rbac/engine.js';
import type { RbacInput } from '../../../proxy/filters/rbac/input.js';
import type { ConfigObject } from '../../config/object.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { ProxyNode } from '../../model/proxy.js';
import { buildListenersOf } from '../../translate/listener/test-support.js';
import { proxyLoadError } from '../../translate/listener/proxy-load.js';
import { fakeInstance, fakeProxy, fakePush, fakeService } from '../../translate/listener/test-support.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'test', 'fixtures', 'book-ch9');

function fixture(file: string): ConfigObject[] {
  return parseAllDocuments(readFileSync(join(FIXTURES, file), 'utf8')).map((d) => d.toJS() as ConfigObject);
}

function policy(namespace: string, name: string, spec: J, annotations?: Record<string, string>): ConfigObject {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace, annotations }, spec };
}

const webapp = fakeProxy('sidecar', 'istioinaction', { labels: { app: 'webapp' }, workloadName: 'webapp-1' });
const catalog = fakeProxy('sidecar', 'istioinaction', { labels: { app: 'catalog' }, workloadName: 'catalog-1' });
const sleep = fakeProxy('sidecar', 'default', { labels: { app: 'sleep' }, workloadName: 'sleep-1' });
const gateway = fakeProxy('router', 'istio-system', { labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } });

const HTTP_INSTANCE = fakeInstance('svc.istioinaction.svc.cluster.local', 'http', 80, 8080);
const TCP_INSTANCE = fakeInstance('db.istioinaction.svc.cluster.local', 'tcp', 5432, 5432);
const GATEWAY_INSTANCE = fakeInstance('istio-ingressgateway.istio-system.svc.cluster.local', 'http2', 80, 8080);
const GATEWAY: ConfigObject = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'istioinaction' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } };

function listeners(configs: ConfigObject[], proxy: ProxyNode, mesh: Partial<MeshConfig> = {}): Listener[] {
  const services = [fakeService('db.istioinaction.svc.cluster.local', 'istioinaction', [{ name: 'tcp', port: 5432, targetPort: 5432, protocol: 'TCP' }])];
  const proxyInstances = proxy.type === 'router' ? [GATEWAY_INSTANCE] : [HTTP_INSTANCE, TCP_INSTANCE];
  const ls = buildListenersOf(fakePush({ configs: proxy.type === 'router' ? [...configs, GATEWAY] : configs, services, proxyInstances, mesh }), proxy);
  for (const l of ls) assert.equal(proxyLoadError(l), '', `the proxy loads ${l.name}`);
  return ls;
}

/** A filter's typed_config, unpacked. */
function unpacked<T>(f: { configType: { case: string | undefined; value?: unknown } }): T {
  assert.equal(f.configType.case, 'typedConfig');
  return anyUnpack(f.configType.value as Any, registry) as T;
}

/** The HCMs of the inbound listener (sidecar) or the gateway listeners, or of the sidecar's outbound ones. */
function hcms(ls: Listener[], which: 'inbound' | 'outbound'): HttpConnectionManager[] {
  const out: HttpConnectionManager[] = [];
  for (const l of ls) {
    // A gateway has no virtualInbound: all its listeners are of the gateway class.
    const inbound = l.name === 'virtualInbound' || !ls.some((x) => x.name === 'virtualInbound');
    if ((which === 'inbound') !== inbound) continue;
    for (const c of l.filterChains) {
      for (const f of c.filters) {
        const m = unpacked<{ $typeName: string }>(f);
        if (m.$typeName === 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager') out.push(m as HttpConnectionManager);
      }
    }
  }
  return out;
}

function rbacFilters(h: HttpConnectionManager): HttpRbac[] {
  return h.httpFilters.filter((f) => f.name === 'envoy.filters.http.rbac').map((f) => unpacked<HttpRbac>(f));
}

/** The inbound HTTP RBAC filters of a proxy (one HCM: they are the same on every port). */
function inboundRbac(configs: ConfigObject[], proxy: ProxyNode, mesh: Partial<MeshConfig> = {}): HttpRbac[] {
  const [h] = hcms(listeners(configs, proxy, mesh), 'inbound');
  assert.ok(h, 'an inbound HCM');
  return rbacFilters(h);
}

const rbacJson = (r: HttpRbac): J => toJson(HttpRbacSchema, r, { registry }) as JsonObject as J;

/** The filters in chain order as the proxy runs them: the first refusal wins. */
function decide(filters: readonly (HttpRbac | NetworkRbac)[], input: Partial<RbacInput>): string {
  const full: RbacInput = {
    localIp: '10.0.0.1', localPort: 8080, sourceIp: '10.0.0.9', directRemoteIp: '10.0.0.9', remoteIp: '10.0.0.9', serverName: '',
    ssl: undefined, head: request('GET', '/'), metadata: {}, ...input,
  };
  for (const f of filters) {
    const { enforced } = compileEngines(f, '');
    const d = enforced?.decide(full);
    if (d !== undefined && !d.allowed) return responseDetail(d.policyId === '' ? 'none' : d.policyId);
  }
  return 'allowed';
}

function request(method: string, path: string, authority = 'webapp.istioinaction.io', headers: Record<string, string> = {}): RbacInput['head'] {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(headers)) h.add(k, v);
  return { method, path, authority, scheme: 'http', protocol: 'HTTP/1.1', headers: h };
}

const peer = (spiffe: string): Partial<RbacInput> => ({ ssl: {
  peerCertificatePresented: true, uriSanPeerCertificate: [spiffe], dnsSanPeerCertificate: [], subjectPeerCertificate: '', uriSanLocalCertificate: [], peerCertificateDer: undefined,
} });
const GATEWAY_SA = 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const WEBAPP_SA = 'spiffe://cluster.local/ns/istioinaction/sa/webapp';

test('no policy, no RBAC filter; the mesh-wide deny-all (`spec: {}`) reaches every inbound and gateway HCM', () => {
  assert.deepEqual(inboundRbac([], webapp), []);
  const denyAll = fixture('policy-deny-all-mesh.yaml');
  for (const proxy of [webapp, catalog, sleep, gateway]) {
    const ls = listeners(denyAll, proxy);
    const [h] = hcms(ls, 'inbound');
    assert.deepEqual(h.httpFilters.map((f) => f.name),
      ['istio.metadata_exchange', 'envoy.filters.http.rbac', 'envoy.filters.http.fault', 'envoy.filters.http.cors', 'istio.stats', 'envoy.filters.http.router']);
    assert.deepEqual(rbacJson(rbacFilters(h)[0]), {
      rules: { policies: { 'ns[istio-system]-policy[deny-all]-rule[0]': {
        permissions: [{ notRule: { any: true } }], principals: [{ notId: { any: true } }] } } },
      shadowRulesStatPrefix: 'istio_dry_run_allow_',
    });
    assert.equal(decide(rbacFilters(h), peer(GATEWAY_SA)), 'rbac_access_denied_matched_policy[none]');
    for (const out of hcms(ls, 'outbound')) assert.deepEqual(rbacFilters(out), [], 'outbound HCMs are never authorized');
  }
});

test('deny-all plus an ALLOW for the ingress gateway\'s identity: only the gateway reaches the webapp', () => {
  const filters = inboundRbac([...fixture('policy-deny-all-mesh.yaml'), ...fixture('webapp-allow-ingress-gateway.yaml')], webapp);
  assert.equal(filters.length, 1, 'one ALLOW filter holds both policies');
  assert.deepEqual(rbacJson(filters[0]).rules.policies['ns[istioinaction]-policy[webapp-allow-ingress-gateway]-rule[0]'], {
    permissions: [{ andRules: { rules: [{ any: true }] } }],
    principals: [{ andIds: { ids: [{ orIds: { ids: [{ authenticated: { principalName: { exact: GATEWAY_SA } } }] } }] } }],
  });
  assert.equal(decide(filters, peer(GATEWAY_SA)), 'allowed');
  assert.equal(decide(filters, peer('spiffe://cluster.local/ns/default/sa/sleep')), 'rbac_access_denied_matched_policy[none]');
  assert.equal(decide(filters, {}), 'rbac_access_denied_matched_policy[none]', 'plaintext has no principal');
  assert.equal(decide(inboundRbac([...fixture('policy-deny-all-mesh.yaml'), ...fixture('webapp-allow-ingress-gateway.yaml')], catalog),
    peer(GATEWAY_SA)), 'rbac_access_denied_matched_policy[none]', 'the selector is app: webapp');
});

test('catalog-viewer: catalog allows GET from webapp\'s principal cluster.local/ns/istioinaction/sa/webapp only', () => {
  const configs = [...fixture('policy-deny-all-mesh.yaml'), ...fixture('catalog-viewer-policy.yaml')];
  const filters = inboundRbac(configs, catalog);
  assert.equal(decide(filters, peer(WEBAPP_SA)), 'allowed');
  assert.equal(decide(filters, { ...peer(WEBAPP_SA), head: request('POST', '/items') }), 'rbac_access_denied_matched_policy[none]');
  assert.equal(decide(filters, peer('spiffe://cluster.local/ns/istioinaction/sa/forum')), 'rbac_access_denied_matched_policy[none]');
  const p = rbacJson(filters[0]).rules.policies['ns[istioinaction]-policy[catalog-viewer]-rule[0]'];
  assert.deepEqual(p.permissions[0].andRules.rules, [{ orRules: { rules: [{ header: { name: ':method', stringMatch: { exact: 'GET' } } }] } }]);
  assert.equal(decide(inboundRbac(configs, webapp), peer(WEBAPP_SA)), 'rbac_access_denied_matched_policy[none]', 'webapp is still denied');
});

test('namespaces: webapp-allow-view-default-ns allows GET from the default namespace to every istioinaction workload', () => {
  const configs = [...fixture('policy-deny-all-mesh.yaml'), ...fixture('allow-view-default-ns.yaml')];
  for (const proxy of [webapp, catalog]) {
    const filters = inboundRbac(configs, proxy);
    assert.equal(decide(filters, peer('spiffe://cluster.local/ns/default/sa/sleep')), 'allowed');
    assert.equal(decide(filters, { ...peer('spiffe://cluster.local/ns/default/sa/sleep'), head: request('DELETE', '/') }), 'rbac_access_denied_matched_policy[none]');
    assert.equal(decide(filters, peer(WEBAPP_SA)), 'rbac_access_denied_matched_policy[none]');
    assert.deepEqual(rbacJson(filters[0]).rules.policies['ns[istioinaction]-policy[webapp-allow-view-default-ns]-rule[0]'].principals[0].andIds.ids,
      [{ orIds: { ids: [{ authenticated: { principalName: { safeRegex: { regex: '.*/ns/default/.*' } } } }] } }]);
  }
  assert.equal(decide(inboundRbac(configs, sleep), peer('spiffe://cluster.local/ns/default/sa/sleep')), 'rbac_access_denied_matched_policy[none]',
    'a namespace policy applies to its own namespace only');
});

test('request.auth.claims[group] and requestPrincipals on the ingress gateway read the JWT payload metadata', () => {
  const filters = inboundRbac([...fixture('policy-deny-all-mesh.yaml'), ...fixture('allow-mesh-all-ops-admin.yaml')], gateway);
  const jwt = (payload: J): Partial<RbacInput> => ({ metadata: { 'envoy.filters.http.jwt_authn': { payload } } });
  assert.equal(decide(filters, jwt({ iss: 'auth@istioinaction.io', sub: '218d3fb9', group: 'admin' })), 'allowed');
  assert.equal(decide(filters, jwt({ iss: 'auth@istioinaction.io', sub: '218d3fb9', group: ['ops', 'admin'] })), 'allowed');
  assert.equal(decide(filters, jwt({ iss: 'auth@istioinaction.io', sub: '218d3fb9', group: 'user' })), 'rbac_access_denied_matched_policy[none]');
  assert.equal(decide(filters, jwt({ iss: 'someone@else.io', sub: '218d3fb9', group: 'admin' })), 'rbac_access_denied_matched_policy[none]');
  assert.equal(decide(filters, {}), 'rbac_access_denied_matched_policy[none]', 'no token, no claims');
  const ids = rbacJson(filters[0]).rules.policies['ns[istio-system]-policy[allow-mesh-all-ops-admin]-rule[0]'].principals[0].andIds.ids;
  assert.deepEqual(ids, [
    { andIds: { ids: [
      { metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'iss' }], value: { stringMatch: { exact: 'auth@istioinaction.io' } } } },
      { metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'sub' }], value: { stringMatch: { safeRegex: { regex: '.+' } } } } },
    ] } },
    { metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'group' }],
      value: { orMatch: { valueMatchers: [{ listMatch: { oneOf: { stringMatch: { exact: 'admin' } } } }, { stringMatch: { exact: 'admin' } }] } } } },
  ]);
});

test('hosts on the gateway ignore case; paths with `*` are prefixes and Istio\'s {*} templates become uri_template', () => {
  const gw = inboundRbac([...fixture('policy-deny-all-mesh.yaml'), ...fixture('policy-allow-view-gw.yaml')], gateway);
  assert.equal(decide(gw, { head: request('GET', '/', 'WebApp.IstioInAction.io') }), 'allowed');
  assert.equal(decide(gw, { head: request('GET', '/', 'catalog.istioinaction.io') }), 'rbac_access_denied_matched_policy[none]');
  const paths = inboundRbac(fixture('allow-catalog-requests-in-web-app.yaml'), webapp);
  assert.equal(decide(paths, { head: request('GET', '/api/catalog/items?x=1') }), 'allowed');
  assert.equal(decide(paths, { head: request('GET', '/api/users') }), 'rbac_access_denied_matched_policy[none]');
  const template = inboundRbac([policy('istioinaction', 'items', { rules: [{ to: [{ operation: { paths: ['/api/catalog/items/{*}'] } }] }] })], webapp);
  assert.deepEqual(rbacJson(template[0]).rules.policies['ns[istioinaction]-policy[items]-rule[0]'].permissions[0].andRules.rules[0].orRules.rules[0], {
    uriTemplate: { name: 'uri-template', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig',
      pathTemplate: '/api/catalog/items/*' } } });
  assert.equal(decide(template, { head: request('GET', '/api/catalog/items/7') }), 'allowed');
  assert.equal(decide(template, { head: request('GET', '/api/catalog/items/7/reviews') }), 'rbac_access_denied_matched_policy[none]');
});

test('AUDIT, DENY and ALLOW become LOG, DENY and ALLOW filters in that order; a DENY match names its rule', () => {
  const configs = [
    policy('istioinaction', 'allow-all', { rules: [{}] }),
    policy('istioinaction', 'no-delete', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] }),
    policy('istioinaction', 'audit-admin', { action: 'AUDIT', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] }),
  ];
  const filters = inboundRbac(configs, webapp);
  assert.deepEqual(filters.map((f) => rbacJson(f).rules.action ?? 'ALLOW'), ['LOG', 'DENY', 'ALLOW']);
  assert.equal(decide(filters, { head: request('GET', '/admin') }), 'allowed');
  assert.equal(decide(filters, { head: request('DELETE', '/x') }), 'rbac_access_denied_matched_policy[ns[istioinaction]-policy[no-delete]-rule[0]]');
});

test('dry-run policies become shadow rules and enforce nothing', () => {
  const filters = inboundRbac([policy('istioinaction', 'trial', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'true' })], webapp);
  const j = rbacJson(filters[0]);
  assert.equal(j.rules, undefined);
  assert.equal(j.shadowRules.action, 'DENY');
  assert.equal(j.shadowRulesStatPrefix, 'istio_dry_run_deny_');
  assert.equal(decide(filters, {}), 'allowed');
});

test('CUSTOM with a provider meshConfig does not define fails closed as istiod does', () => {
  const filters = inboundRbac(fixture('custom-authorization-policy.yaml'), webapp);
  assert.deepEqual(rbacJson(filters[0]), { rules: { action: 'DENY', policies: { 'default-deny-all-due-to-bad-CUSTOM-action': {
    permissions: [{ any: true }], principals: [{ any: true }] } } } });
  assert.equal(decide(filters, peer(GATEWAY_SA)), 'rbac_access_denied_matched_policy[default-deny-all-due-to-bad-CUSTOM-action]');
});

test('TCP inbound chains get the network filter before istio.stats and tcp_proxy; HTTP-only fields follow istiod', () => {
  const tcpFilters = (configs: ConfigObject[]): NetworkRbac[] => {
    const inbound = listeners(configs, catalog).find((l) => l.name === 'virtualInbound')!;
    const chain = inbound.filterChains.find((c) => c.filterChainMatch?.destinationPort === 5432)!;
    assert.deepEqual(chain.filters.map((f) => f.name).slice(-3), ['envoy.filters.network.rbac', 'istio.stats', 'envoy.filters.network.tcp_proxy']);
    return chain.filters.filter((f) => f.name === 'envoy.filters.network.rbac').map((f) => unpacked<NetworkRbac>(f));
  };
  // An ALLOW rule with methods cannot be checked on TCP: it is left out, so TCP is denied.
  const viewer = tcpFilters(fixture('catalog-viewer-policy.yaml'));
  assert.equal(viewer[0].statPrefix, 'tcp.');
  assert.deepEqual(Object.keys(viewer[0].rules!.policies), []);
  assert.equal(decide(viewer, { ...peer(WEBAPP_SA), head: undefined }), 'rbac_access_denied_matched_policy[none]');
  // A DENY rule with only HTTP fields denies every TCP connection (its HTTP conditions are dropped).
  const noDelete = tcpFilters([policy('istioinaction', 'no-delete', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] })]);
  assert.equal(decide(noDelete, { head: undefined }), 'rbac_access_denied_matched_policy[ns[istioinaction]-policy[no-delete]-rule[0]]');
  // Principals work on TCP.
  const byPrincipal = tcpFilters([...fixture('policy-deny-all-mesh.yaml'), ...fixture('webapp-allow-ingress-gateway.yaml').map((p) => ({ ...p, spec: { ...(p.spec as J), selector: undefined } }))]);
  assert.equal(decide(byPrincipal, { ...peer(GATEWAY_SA), head: undefined }), 'allowed');
  assert.equal(decide(byPrincipal, { head: undefined }), 'rbac_access_denied_matched_policy[none]');
});

test('selection: root namespace selectors reach every namespace; targetRefs attach to their Gateway API gateway only', () => {
  const rootSelector = policy('istio-system', 'catalog-only', { selector: { matchLabels: { app: 'catalog' } }, rules: [{}] });
  assert.equal(inboundRbac([rootSelector], catalog).length, 1);
  assert.equal(inboundRbac([rootSelector], webapp).length, 0);
  const targeted = policy('istio-system', 'gw-only', { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }] });
  assert.equal(inboundRbac([targeted], gateway).length, 0, 'an Istio ingress gateway is not the Gateway API gateway');
  const edge = { ...gateway, labels: { ...gateway.labels, 'gateway.networking.k8s.io/gateway-name': 'edge' } };
  assert.equal(inboundRbac([targeted], edge).length, 1);
  assert.equal(inboundRbac([policy('istio-system', 'svc', { targetRefs: [{ kind: 'Service', name: 'webapp' }] })], webapp).length, 0,
    'Service targets are for waypoints');
});

test('principals follow the mesh trust domain; serviceAccounts become SPIFFE regexes', () => {
  const configs = [...fixture('policy-deny-all-mesh.yaml'), ...fixture('catalog-viewer-policy.yaml')];
  const filters = inboundRbac(configs, catalog, { trustDomain: 'example.org' });
  assert.equal(decide(filters, peer('spiffe://example.org/ns/istioinaction/sa/webapp')), 'allowed');
  assert.equal(decide(filters, peer(WEBAPP_SA)), 'rbac_access_denied_matched_policy[none]');
  const sa = inboundRbac([policy('istioinaction', 'by-sa', { rules: [{ from: [{ source: { serviceAccounts: ['webapp', 'default/sleep'] } }] }] })], catalog);
  assert.equal(decide(sa, peer(WEBAPP_SA)), 'allowed');
  assert.equal(decide(sa, peer('spiffe://cluster.local/ns/default/sa/sleep')), 'allowed');
  assert.equal(decide(sa, peer('spiffe://cluster.local/ns/default/sa/webapp')), 'rbac_access_denied_matched_policy[none]');
  assert.equal(decide(sa, peer('spiffe://cluster.local/ns/istioinaction/sa/webapp-x')), 'rbac_access_denied_matched_policy[none]');
});
