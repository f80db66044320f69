// CUSTOM AuthorizationPolicies with meshConfig's envoyExtAuthzHttp providers, as istiod builds them: the RBAC
// shadow filter and the ext_authz filter first in the inbound chain, the ext_authz config from the provider's fields,
// the proxy's own RBAC engine marking only the requests the CUSTOM rules match, and fail-closed providers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import type { HttpConnectionManager } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { ExtAuthzSchema, type ExtAuthz } from '../../../xds/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js';
import { RBACSchema, type RBAC } from '../../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { registry } from '../../../xds/registry.js';
import { HeaderMap } from '../../../proxy/http/headers.js';
import { compileEngines } from '../../../proxy/filters/rbac/engine.js';
import { compileMetadataMatcher } from '../../../proxy/filters/rbac/metadata-match.js';
import type { RbacInput } from '../../../proxy/filters/rbac/input.js';
import type { ConfigObject } from '../../config/object.js';
import type { ExtensionProvider } from '../../model/mesh-config.js';
import { buildListenersOf } from '../../translate/listener/test-support.js';
import { proxyLoadError } from '../../translate/listener/proxy-load.js';
import { fakeInstance, fakeProxy, fakePush, fakeService } from '../../translate/listener/test-support.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const EXT_AUTHZ_HOST = 'ext-authz.istioinaction.svc.cluster.local';
const webapp = fakeProxy('sidecar', 'istioinaction', { labels: { app: 'webapp' }, workloadName: 'webapp-1' });

/** The book's ch9 CUSTOM policy (custom-authorization-policy.yaml), its provider name as given. */
function customPolicy(provider = 'sample-ext-authz-http', paths = ['/*'], name = 'ext-authz'): ConfigObject {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'istioinaction' },
    spec: { selector: { matchLabels: { app: 'webapp' } }, action: 'CUSTOM', provider: { name: provider }, rules: [{ to: [{ operation: { paths } }] }] } };
}

const sampleProvider = (extra: J = {}): ExtensionProvider =>
  ({ name: 'sample-ext-authz-http', envoyExtAuthzHttp: { service: EXT_AUTHZ_HOST, port: 8000, ...extra } });

function inbound(configs: ConfigObject[], providers: ExtensionProvider[]): { filters: HttpConnectionManager['httpFilters']; errors: string[] } {
  const push = fakePush({ configs, mesh: { extensionProviders: providers },
    services: [fakeService(EXT_AUTHZ_HOST, 'istioinaction', [{ name: 'http', port: 8000, targetPort: 8000, protocol: 'HTTP' }])],
    proxyInstances: [fakeInstance('webapp.istioinaction.svc.cluster.local', 'http', 80, 8080)] });
  const ls = buildListenersOf(push, webapp);
  for (const l of ls) assert.equal(proxyLoadError(l), '', `the proxy loads ${l.name}`);
  const chain = ls.find((l) => l.name === 'virtualInbound')!.filterChains.find((c) => c.filterChainMatch?.destinationPort === 8080)!;
  const hcm = anyUnpack(chain.filters.find((f) => f.name === 'envoy.filters.network.http_connection_manager')!.configType.value as Any, registry) as HttpConnectionManager;
  return { filters: hcm.httpFilters, errors: push.configErrors().map((e) => e.message) };
}

const unpack = <T>(f: HttpConnectionManager['httpFilters'][number]): T => anyUnpack(f.configType.value as Any, registry) as T;

function request(path: string): RbacInput {
  return { localIp: '10.0.0.1', localPort: 8080, sourceIp: '10.0.0.9', directRemoteIp: '10.0.0.9', remoteIp: '10.0.0.9', serverName: '',
    ssl: undefined, head: { method: 'GET', path, authority: 'webapp', scheme: 'http', protocol: 'HTTP/1.1', headers: new HeaderMap() }, metadata: {} };
}

test("the book's provider: an RBAC shadow filter then ext_authz, first of the security filters, to the provider's cluster", () => {
  const { filters, errors } = inbound([customPolicy()], [sampleProvider()]);
  assert.deepEqual(errors, []);
  const names = filters.map((f) => f.name);
  const at = names.indexOf('envoy.filters.http.ext_authz');
  assert.equal(names[at - 1], 'envoy.filters.http.rbac');
  assert.equal(names.filter((n) => n === 'envoy.filters.http.rbac').length, 1, 'no enforcing RBAC filter');
  const rbac = toJson(RBACSchema, unpack<RBAC>(filters[at - 1]), { registry }) as J;
  assert.equal(rbac.rules, undefined);
  assert.equal(rbac.shadowRulesStatPrefix, 'istio_ext_authz_');
  assert.deepEqual(Object.keys(rbac.shadowRules.policies), ['istio-ext-authz-ns[istioinaction]-policy[ext-authz]-rule[0]']);
  const ext = toJson(ExtAuthzSchema, unpack<ExtAuthz>(filters[at]), { registry }) as J;
  assert.deepEqual(ext, {
    httpService: { serverUri: { uri: `http://${EXT_AUTHZ_HOST}`, cluster: `outbound|8000||${EXT_AUTHZ_HOST}`, timeout: '600s' } },
    transportApiVersion: 'V3',
    filterEnabledMetadata: { filter: 'envoy.filters.http.rbac', path: [{ key: 'istio_ext_authz_shadow_effective_policy_id' }],
      value: { stringMatch: { prefix: 'istio-ext-authz' } } },
  });
});

test('only requests the CUSTOM rules match are marked for ext_authz (the proxy\'s RBAC engine and metadata matcher)', () => {
  const { filters } = inbound([customPolicy('sample-ext-authz-http', ['/api/*'])], [sampleProvider()]);
  const at = filters.findIndex((f) => f.name === 'envoy.filters.http.ext_authz');
  const engines = compileEngines(unpack<RBAC>(filters[at - 1]), '');
  const enabled = compileMetadataMatcher(unpack<ExtAuthz>(filters[at]).filterEnabledMetadata!, '');
  const marked = (path: string): boolean => {
    const d = engines.shadow!.decide(request(path));
    return enabled({ 'envoy.filters.http.rbac': d.policyId === '' ? {} : { istio_ext_authz_shadow_effective_policy_id: d.policyId } });
  };
  assert.equal(marked('/api/catalog'), true);
  assert.equal(marked('/health'), false);
});

test("the provider's fields become the filter's: headers, timeout, path prefix, failOpen, statusOnError, body", () => {
  const { filters } = inbound([customPolicy()], [sampleProvider({
    timeout: '0.5s', pathPrefix: '/check', failOpen: true, statusOnError: '503',
    includeRequestHeadersInCheck: ['x-ext-authz', 'x-b3-*'], includeAdditionalHeadersInCheck: { 'x-b': '2', 'x-a': '1' },
    headersToUpstreamOnAllow: ['x-user'], headersToDownstreamOnDeny: ['*-reason'], headersToDownstreamOnAllow: ['x-ok'],
    includeRequestBodyInCheck: { maxRequestBytes: 1024, allowPartialMessage: true, packAsBytes: true },
  })]);
  const ext = toJson(ExtAuthzSchema, unpack<ExtAuthz>(filters.find((f) => f.name === 'envoy.filters.http.ext_authz')!), { registry }) as J;
  assert.equal(ext.failureModeAllow, true);
  assert.deepEqual(ext.statusOnError, { code: 'ServiceUnavailable' });
  assert.deepEqual(ext.withRequestBody, { maxRequestBytes: 1024, allowPartialMessage: true });
  assert.equal(ext.httpService.pathPrefix, '/check');
  assert.equal(ext.httpService.serverUri.timeout, '0.500s');
  assert.deepEqual(ext.httpService.authorizationRequest, {
    allowedHeaders: { patterns: [{ exact: 'x-ext-authz', ignoreCase: true }, { prefix: 'x-b3-', ignoreCase: true }] },
    headersToAdd: [{ key: 'x-a', value: '1' }, { key: 'x-b', value: '2' }],
  });
  assert.deepEqual(ext.httpService.authorizationResponse, {
    allowedUpstreamHeaders: { patterns: [{ exact: 'x-user', ignoreCase: true }] },
    allowedClientHeaders: { patterns: [{ suffix: '-reason', ignoreCase: true }] },
    allowedClientHeadersOnSuccess: { patterns: [{ exact: 'x-ok', ignoreCase: true }] },
  });
});

test('a provider that cannot be served fails closed (deny everything) and the policy says why', () => {
  const denyAll = (filters: HttpConnectionManager['httpFilters']): void => {
    assert.equal(filters.some((f) => f.name === 'envoy.filters.http.ext_authz'), false);
    const rbac = toJson(RBACSchema, unpack<RBAC>(filters.find((f) => f.name === 'envoy.filters.http.rbac')!), { registry }) as J;
    assert.deepEqual(Object.keys(rbac.rules.policies), ['default-deny-all-due-to-bad-CUSTOM-action']);
  };
  const cases: [ConfigObject[], ExtensionProvider[], RegExp][] = [
    [[customPolicy('nope')], [sampleProvider()], /available providers are \[sample-ext-authz-http\] but found "nope"/],
    [[customPolicy()], [{ name: 'sample-ext-authz-http', envoyExtAuthzGrpc: { service: EXT_AUTHZ_HOST, port: 9000 } }],
      /envoyExtAuthzGrpc is not supported by Strait/],
    [[customPolicy()], [sampleProvider({ service: 'missing.default.svc.cluster.local' })],
      /could not find service missing\.default\.svc\.cluster\.local in Istio service registry/],
    [[customPolicy()], [sampleProvider({ statusOnError: '999' })], /unsupported statusOnError 999, supported values: \[100 200 201 /],
    [[customPolicy()], [sampleProvider({ pathPrefix: 'check' })], /pathPrefix must begin with `\/`, found: "check"/],
    [[customPolicy(), customPolicy('other', ['/*'], 'second')], [sampleProvider()], /only 1 provider can be used per workload/],
  ];
  for (const [configs, providers, why] of cases) {
    const { filters, errors } = inbound(configs, providers);
    denyAll(filters);
    assert.ok(errors.some((e) => why.test(e)), `${why} in ${errors.join(' | ')}`);
  }
  // A namespace-qualified service resolves.
  assert.deepEqual(inbound([customPolicy()], [sampleProvider({ service: `istioinaction/${EXT_AUTHZ_HOST}` })]).errors, []);
});
