// The RBAC engine and its matchers (unit): actions, policy order, every permission and principal
// kind, metadata value matchers, URI templates, stat names, and configs refused with their field path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { RBACSchema } from '../../../xds/gen/envoy/config/rbac/v3/rbac_pb.js';
import { registry } from '../../../xds/registry.js';
import { HeaderMap, type RequestHead } from '../../http/headers.js';
import { RouteConfigError } from '../../router/errors.js';
import { StatsStore } from '../../stats/store.js';
import type { SslConnectionInfo } from '../../tls/ssl-connection-info.js';
import { RbacEngine, responseDetail } from './engine.js';
import type { RbacInput } from './input.js';
import { createRbacStats } from './stats.js';
import { compileUriTemplate } from './uri-template.js';

const engine = (json: JsonValue): RbacEngine => RbacEngine.compile(fromJson(RBACSchema, json, { registry }), '.rules');

function head(method: string, path: string, headers: Record<string, string> = {}, authority = 'example.com'): RequestHead {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(headers)) h.add(k, v);
  return { method, path, authority, scheme: 'http', protocol: 'HTTP/1.1', headers: h };
}

function ssl(uris: string[], dns: string[] = [], subject = ''): SslConnectionInfo {
  return { peerCertificatePresented: true, uriSanPeerCertificate: uris, dnsSanPeerCertificate: dns, subjectPeerCertificate: subject, uriSanLocalCertificate: [], peerCertificateDer: undefined };
}

function input(over: Partial<RbacInput> = {}): RbacInput {
  return {
    localIp: '10.0.0.2', localPort: 8080, sourceIp: '10.0.0.9', directRemoteIp: '10.0.0.9', remoteIp: '10.0.0.9', serverName: '',
    ssl: undefined, head: head('GET', '/'), metadata: {}, ...over,
  };
}

/** An ALLOW engine with one policy: `permission` AND any principal (or the reverse). */
const permissionOnly = (permission: JsonValue): RbacEngine => engine({ policies: { p: { permissions: [permission], principals: [{ any: true }] } } });
const principalOnly = (principal: JsonValue): RbacEngine => engine({ policies: { p: { permissions: [{ any: true }], principals: [principal] } } });

test('ALLOW allows a match, DENY refuses one, LOG allows all and hints the access log', () => {
  const policies = { 'get-only': { permissions: [{ header: { name: ':method', string_match: { exact: 'GET' } } }], principals: [{ any: true }] } };
  const allow = engine({ action: 'ALLOW', policies });
  assert.deepEqual(allow.decide(input()), { allowed: true, policyId: 'get-only' });
  assert.deepEqual(allow.decide(input({ head: head('POST', '/') })), { allowed: false, policyId: '' });
  const deny = engine({ action: 'DENY', policies });
  assert.deepEqual(deny.decide(input()), { allowed: false, policyId: 'get-only' });
  assert.deepEqual(deny.decide(input({ head: head('POST', '/') })), { allowed: true, policyId: '' });
  const log = engine({ action: 'LOG', policies });
  assert.deepEqual(log.decide(input()), { allowed: true, policyId: 'get-only', logHint: true });
  assert.deepEqual(log.decide(input({ head: head('POST', '/') })), { allowed: true, policyId: '', logHint: false });
  assert.equal(engine({}).decide(input()).allowed, false, 'ALLOW with no policies allows nothing');
});

test('policies are tried in name order (Envoy keeps them in a std::map), and the first match names the decision', () => {
  const any = { permissions: [{ any: true }], principals: [{ any: true }] };
  assert.equal(engine({ policies: { 'ns[b]-policy[z]-rule[0]': any, 'ns[a]-policy[y]-rule[1]': any } }).decide(input()).policyId, 'ns[a]-policy[y]-rule[1]');
  assert.equal(responseDetail('a b\tc'), 'rbac_access_denied_matched_policy[a_b_c]');
});

test('a policy needs one of its permissions AND one of its principals', () => {
  const e = engine({ policies: { p: {
    permissions: [{ destination_port: 80 }, { destination_port: 8080 }],
    principals: [{ source_ip: { address_prefix: '10.1.0.0', prefix_len: 16 } }],
  } } });
  assert.equal(e.decide(input({ sourceIp: '10.1.2.3' })).allowed, true);
  assert.equal(e.decide(input({ sourceIp: '10.2.2.3' })).allowed, false);
  assert.equal(e.decide(input({ sourceIp: '10.1.2.3', localPort: 9090 })).allowed, false);
});

test('and_rules, or_rules and not_rule compose; any matches everything', () => {
  const e = permissionOnly({ and_rules: { rules: [
    { or_rules: { rules: [{ header: { name: ':method', exact_match: 'GET' } }, { header: { name: ':method', exact_match: 'HEAD' } }] } },
    { not_rule: { url_path: { path: { prefix: '/admin' } } } },
  ] } });
  assert.equal(e.decide(input({ head: head('HEAD', '/x') })).allowed, true);
  assert.equal(e.decide(input({ head: head('GET', '/admin/users') })).allowed, false);
  assert.equal(e.decide(input({ head: head('PUT', '/x') })).allowed, false);
});

test('header permissions: pseudo-headers, Istio\'s host matcher (ignore_case), presence, joined repeated values', () => {
  const host = permissionOnly({ header: { name: ':authority', string_match: { suffix: '.istioinaction.io', ignore_case: true } } });
  assert.equal(host.decide(input({ head: head('GET', '/', {}, 'WebApp.IstioInAction.io') })).allowed, true);
  assert.equal(host.decide(input({ head: head('GET', '/', {}, 'webapp.example') })).allowed, false);
  const present = permissionOnly({ header: { name: 'x-user', present_match: true } });
  assert.equal(present.decide(input({ head: head('GET', '/', { 'x-user': 'a' }) })).allowed, true);
  assert.equal(present.decide(input()).allowed, false);
  const joined = permissionOnly({ header: { name: 'x-group', string_match: { exact: 'a,b' } } });
  const h = head('GET', '/');
  h.headers.add('x-group', 'a');
  h.headers.add('x-group', 'b');
  assert.equal(joined.decide(input({ head: h })).allowed, true, 'repeated headers are matched joined by ","');
  assert.equal(permissionOnly({ header: { name: ':method', string_match: { safe_regex: { regex: 'G.T' } } } })
    .decide(input()).allowed, true, 'RE2 regexes');
});

test('url_path ignores the query and fragment; without a request there is no path', () => {
  const e = permissionOnly({ url_path: { path: { prefix: '/api/catalog' } } });
  assert.equal(e.decide(input({ head: head('GET', '/api/catalog/items?x=1') })).allowed, true);
  assert.equal(permissionOnly({ url_path: { path: { exact: '/items' } } }).decide(input({ head: head('GET', '/items?a=b#f') })).allowed, true);
  assert.equal(e.decide(input({ head: head('GET', '/api/other') })).allowed, false);
  assert.equal(e.decide(input({ head: undefined })).allowed, false);
});

test('uri_template paths (Istio\'s {*} and {**}): one segment, and any number of segments', () => {
  const one = permissionOnly({ uri_template: { name: 'uri-template', typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig', path_template: '/api/*/items' } } });
  assert.equal(one.decide(input({ head: head('GET', '/api/v1/items?q=1') })).allowed, true);
  assert.equal(one.decide(input({ head: head('GET', '/api/v1/v2/items') })).allowed, false);
  assert.equal(one.decide(input({ head: head('GET', '/api//items') })).allowed, false);
  const rest = compileUriTemplate('/static/**', 'p');
  assert.equal(rest.match('/static/'), true);
  assert.equal(rest.match('/static/css/site.css'), true);
  assert.equal(rest.match('/other/css'), false);
  assert.equal(compileUriTemplate('/**/template', 'p').match('/a/b/template'), true);
  assert.equal(compileUriTemplate('/users/{id}/orders/{order=*}', 'p').match('/users/7/orders/9'), true);
  assert.equal(compileUriTemplate('/a.b/(x)', 'p').match('/a.b/(x)'), true, 'literals are escaped');
  assert.equal(compileUriTemplate('/a.b', 'p').match('/aXb'), false);
  const bad = (t: string, msg: RegExp): void => {
    assert.throws(() => compileUriTemplate(t, '.uri_template.typed_config.path_template'), (e: unknown) =>
      e instanceof RouteConfigError && e.path === '.uri_template.typed_config.path_template' && msg.test(e.detail));
  };
  bad('/**/x/*', /^Glob after text glob\.$/);
  bad('/**/{id}', /^Implicit variable path glob after text glob\.$/);
  bad('/a//b', /Double slashes/);
  bad('/a/{1x}', /Invalid variable name/);
  bad('/a/{x}/{x}', /Repeated variable name/);
  bad('no-slash', /Invalid pattern/);
  bad('/a b', /Invalid pattern/);
});

test('destination ip, port, port range and requested server name', () => {
  assert.equal(permissionOnly({ destination_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }).decide(input()).allowed, true);
  assert.equal(permissionOnly({ destination_ip: { address_prefix: '10.0.0.3', prefix_len: 32 } }).decide(input()).allowed, false);
  const range = permissionOnly({ destination_port_range: { start: 8000, end: 8081 } });
  assert.equal(range.decide(input()).allowed, true);
  assert.equal(range.decide(input({ localPort: 8081 })).allowed, false, 'end is exclusive');
  const sni = permissionOnly({ requested_server_name: { suffix: '.svc.cluster.local' } });
  assert.equal(sni.decide(input({ serverName: 'outbound_.80_._.catalog.istioinaction.svc.cluster.local' })).allowed, true);
  assert.equal(sni.decide(input()).allowed, false);
});

test('authenticated: any URI SAN, else DNS SAN, else the subject; never on plaintext', () => {
  const webapp = principalOnly({ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/istioinaction/sa/webapp' } } });
  assert.equal(webapp.decide(input({ ssl: ssl(['spiffe://cluster.local/ns/istioinaction/sa/webapp']) })).allowed, true);
  assert.equal(webapp.decide(input({ ssl: ssl(['spiffe://other', 'spiffe://cluster.local/ns/istioinaction/sa/webapp']) })).allowed, true, 'any URI SAN');
  assert.equal(webapp.decide(input({ ssl: ssl(['spiffe://cluster.local/ns/default/sa/sleep']) })).allowed, false);
  assert.equal(webapp.decide(input()).allowed, false, 'no TLS, no principal');
  assert.equal(principalOnly({ authenticated: { principal_name: { exact: 'api.example.com' } } })
    .decide(input({ ssl: ssl([], ['api.example.com']) })).allowed, true);
  assert.equal(principalOnly({ authenticated: { principal_name: { exact: 'CN=client,O=Strait' } } })
    .decide(input({ ssl: ssl([], [], 'CN=client,O=Strait') })).allowed, true);
  const anyTls = principalOnly({ authenticated: {} });
  assert.equal(anyTls.decide(input({ ssl: ssl([]) })).allowed, true, 'no principal_name: any TLS connection');
  assert.equal(anyTls.decide(input()).allowed, false);
  const ns = principalOnly({ authenticated: { principal_name: { safe_regex: { regex: '.*/ns/istioinaction/.*' } } } });
  assert.equal(ns.decide(input({ ssl: ssl(['spiffe://cluster.local/ns/istioinaction/sa/webapp']) })).allowed, true);
});

test('source_ip is the connection peer, direct_remote_ip too; remote_ip follows the trusted X-Forwarded-For', () => {
  const i = input({ sourceIp: '127.0.0.1', directRemoteIp: '127.0.0.1', remoteIp: '203.0.113.7' });
  assert.equal(principalOnly({ source_ip: { address_prefix: '127.0.0.1', prefix_len: 32 } }).decide(i).allowed, true);
  assert.equal(principalOnly({ direct_remote_ip: { address_prefix: '127.0.0.0', prefix_len: 8 } }).decide(i).allowed, true);
  assert.equal(principalOnly({ remote_ip: { address_prefix: '203.0.113.0', prefix_len: 24 } }).decide(i).allowed, true);
  assert.equal(principalOnly({ remote_ip: { address_prefix: '127.0.0.1', prefix_len: 32 } }).decide(i).allowed, false);
  assert.equal(principalOnly({ remote_ip: { address_prefix: '::1', prefix_len: 128 } }).decide(input({ remoteIp: '::1' })).allowed, true);
});

test('metadata: Istio\'s JWT claim matcher (a list one_of, or the value itself), invert, presence', () => {
  // What istiod generates for `request.auth.claims[group]` values ["admin"].
  const claim = principalOnly({ metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'group' }],
    value: { or_match: { value_matchers: [{ list_match: { one_of: { string_match: { exact: 'admin' } } } }, { string_match: { exact: 'admin' } }] } } } });
  const md = (payload: Record<string, unknown>): RbacInput => input({ metadata: { 'envoy.filters.http.jwt_authn': { payload } } });
  assert.equal(claim.decide(md({ group: 'admin' })).allowed, true);
  assert.equal(claim.decide(md({ group: ['users', 'admin'] })).allowed, true);
  assert.equal(claim.decide(md({ group: 'users' })).allowed, false);
  assert.equal(claim.decide(md({})).allowed, false);
  assert.equal(claim.decide(input()).allowed, false, 'no metadata at all');
  const notAdmin = principalOnly({ metadata: { filter: 'f', path: [{ key: 'k' }], value: { string_match: { exact: 'x' } }, invert: true } });
  assert.equal(notAdmin.decide(input({ metadata: { f: { k: 'x' } } })).allowed, false);
  assert.equal(notAdmin.decide(input()).allowed, true);
  const present = principalOnly({ metadata: { filter: 'f', path: [{ key: 'k' }], value: { present_match: true } } });
  assert.equal(present.decide(input({ metadata: { f: { k: null } } })).allowed, true, 'a null value is present');
  assert.equal(present.decide(input({ metadata: { f: {} } })).allowed, false);
  const nested = principalOnly({ metadata: { filter: 'f', path: [{ key: 'a' }, { key: 'b' }], value: { double_match: { range: { start: 1, end: 5 } } } } });
  assert.equal(nested.decide(input({ metadata: { f: { a: { b: 4 } } } })).allowed, true);
  assert.equal(nested.decide(input({ metadata: { f: { a: { b: 5 } } } })).allowed, false);
  assert.equal(nested.decide(input({ metadata: { f: { a: 'b' } } })).allowed, false, 'a path through a non-struct is no value');
  assert.equal(principalOnly({ metadata: { filter: 'f', path: [{ key: 'k' }], value: { bool_match: true } } })
    .decide(input({ metadata: { f: { k: true } } })).allowed, true);
  assert.equal(principalOnly({ metadata: { filter: 'f', path: [{ key: 'k' }], value: { null_match: {} } } })
    .decide(input({ metadata: { f: { k: null } } })).allowed, true);
});

test('header principals and url_path principals read the request', () => {
  const e = principalOnly({ header: { name: 'x-tenant', string_match: { prefix: 'acme-' } } });
  assert.equal(e.decide(input({ head: head('GET', '/', { 'x-tenant': 'acme-1' }) })).allowed, true);
  assert.equal(e.decide(input({ head: undefined })).allowed, false);
  assert.equal(principalOnly({ url_path: { path: { exact: '/a' } } }).decide(input({ head: head('GET', '/a?x') })).allowed, true);
});

test('configs Strait cannot honour are refused with their field path', () => {
  const refused = (json: JsonValue, path: string, msg: RegExp): void => {
    assert.throws(() => engine(json), (e: unknown) => e instanceof RouteConfigError && e.path === path && msg.test(e.detail), path);
  };
  refused({ policies: { p: { permissions: [{ any: true }], principals: [{ any: true }], condition: { const_expr: { bool_value: true } } } } },
    '.rules.policies["p"].condition', /CEL conditions are not supported/);
  refused({ policies: { p: { permissions: [{ any: true }], principals: [{ filter_state: { key: 'k', string_match: { exact: 'v' } } }] } } },
    '.rules.policies["p"].principals[0].filter_state', /not supported/);
  refused({ policies: { p: { permissions: [{ destination_port_range: { start: 10, end: 10 } }], principals: [{ any: true }] } } },
    '.rules.policies["p"].permissions[0].destination_port_range', /^range start 10 cannot be greater or equal than range end 10$/);
  refused({ policies: { p: { permissions: [{ url_path: { path: { safe_regex: { regex: '(' } } } }], principals: [{ any: true }] } } },
    '.rules.policies["p"].permissions[0].url_path.path.safe_regex.regex', /./);
  refused({ policies: { p: { permissions: [{ any: true }], principals: [{ source_ip: { address_prefix: 'not-an-ip', prefix_len: 8 } }] } } },
    '.rules.policies["p"].principals[0].source_ip', /malformed IP address/);
  refused({ policies: { p: { permissions: [{ uri_template: { name: 'x', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Empty' } } }], principals: [{ any: true }] } } },
    '.rules.policies["p"].permissions[0].uri_template.typed_config', /Didn't find a registered implementation for 'x'/);
});

test('stat names follow Envoy\'s statPrefixJoin', () => {
  const store = new StatsStore();
  const http = createRbacStats(store, 'http.inbound_0.0.0.0_8080.', '', 'istio_dry_run_allow_');
  http.allowed.inc();
  http.shadow_denied.inc();
  const tcp = createRbacStats(store, 'tcp.', '', '');
  tcp.denied.inc();
  const names = [...store.counters.keys()].sort();
  assert.deepEqual(names, ['http.inbound_0.0.0.0_8080.rbac.allowed', 'http.inbound_0.0.0.0_8080.rbac.denied',
    'http.inbound_0.0.0.0_8080.rbac.istio_dry_run_allow_.shadow_allowed', 'http.inbound_0.0.0.0_8080.rbac.istio_dry_run_allow_.shadow_denied',
    'tcp.rbac.allowed', 'tcp.rbac.denied', 'tcp.rbac.shadow_allowed', 'tcp.rbac.shadow_denied']);
});
