// RequestAuthentication translation as istiod's: the book's chapter 9 gateway policy becomes one
// jwt_authn filter ahead of RBAC on the gateway (not on other workloads), with istiod's provider shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson, type JsonObject } from '@bufbuild/protobuf';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { exportJWK, generateKeyPair } from 'jose';
import { JwtAuthenticationSchema, type JwtAuthentication } from '../../../xds/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js';
import type { HttpConnectionManager } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { registry } from '../../../xds/registry.js';
import type { ConfigObject } from '../../config/object.js';
import type { ProxyNode } from '../../model/proxy.js';
import type { Service } from '../../registry/model.js';
import { buildListenersOf } from '../../translate/listener/test-support.js';
import { proxyLoadError } from '../../translate/listener/proxy-load.js';
import { fakeInstance, fakeProxy, fakePush, fakeService } from '../../translate/listener/test-support.js';
import { FAKE_JWKS, jwtAuthentication } from './jwt-filter.js';
import type { RequestAuthentication } from './request-authentications.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const gateway = fakeProxy('router', 'istio-system', { labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } });
const catalog = fakeProxy('sidecar', 'istioinaction', { labels: { app: 'catalog' }, workloadName: 'catalog-1' });
const GATEWAY: ConfigObject = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'istioinaction' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } };
const DENY_NO_PRINCIPAL: ConfigObject = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy',
  metadata: { name: 'app-gw-requires-jwt', namespace: 'istio-system' },
  spec: { selector: { matchLabels: { app: 'istio-ingressgateway' } }, action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] } };

function requestAuthn(namespace: string, name: string, spec: J): RequestAuthentication {
  return { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name, namespace }, spec };
}

async function jwks(): Promise<string> {
  const { publicKey } = await generateKeyPair('RS256');
  return JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid: 'k1' }] });
}

/** The HTTP filter names and jwt_authn configs of every HCM of the proxy's listeners. */
function httpFilters(configs: ConfigObject[], proxy: ProxyNode, services: Service[] = []): { names: string[]; jwt: J[] }[] {
  const instances = proxy.type === 'router'
    ? [fakeInstance('istio-ingressgateway.istio-system.svc.cluster.local', 'http2', 80, 8080)]
    : [fakeInstance('catalog.istioinaction.svc.cluster.local', 'http', 80, 3000)];
  const ls = buildListenersOf(fakePush({ configs: [...configs, GATEWAY], services, proxyInstances: instances }), proxy);
  const out: { names: string[]; jwt: J[] }[] = [];
  for (const l of ls) {
    assert.equal(proxyLoadError(l), '', `the proxy loads ${l.name}`);
    for (const c of l.filterChains) {
      for (const f of c.filters) {
        const m = anyUnpack(f.configType.value as Any, registry) as { $typeName: string };
        if (m.$typeName !== 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager') continue;
        const h = m as HttpConnectionManager;
        out.push({
          names: h.httpFilters.map((x) => x.name),
          jwt: h.httpFilters.filter((x) => x.name === 'envoy.filters.http.jwt_authn')
            .map((x) => toJson(JwtAuthenticationSchema, anyUnpack(x.configType.value as Any, registry) as JwtAuthentication, { registry }) as JsonObject as J),
        });
      }
    }
  }
  return out;
}

test('the ch9 gateway RequestAuthentication: one jwt_authn filter before RBAC on the gateway, none elsewhere', async () => {
  const keys = await jwks();
  const ra = requestAuthn('istio-system', 'jwt-token-request-authn', {
    selector: { matchLabels: { istio: 'ingressgateway' } },
    jwtRules: [{ issuer: 'auth@istioinaction.io', jwks: keys }],
  });
  const hcms = httpFilters([ra, DENY_NO_PRINCIPAL], gateway);
  assert.ok(hcms.length > 0);
  for (const h of hcms) {
    const jwtAt = h.names.indexOf('envoy.filters.http.jwt_authn');
    assert.ok(jwtAt >= 0 && jwtAt < h.names.indexOf('envoy.filters.http.rbac'), h.names.join(','));
    assert.deepEqual(h.jwt, [{
      providers: {
        'origins-0': {
          issuer: 'auth@istioinaction.io',
          localJwks: { inlineString: keys },
          payloadInMetadata: 'payload',
          normalizePayloadInMetadata: { spaceDelimitedClaims: ['permission', 'scope'] },
        },
      },
      rules: [{ match: { prefix: '/' }, requires: { requiresAny: { requirements: [{ providerName: 'origins-0' }, { allowMissing: {} }] } } }],
      bypassCorsPreflight: true,
    }]);
  }
  // The selector does not take the catalog sidecar; and without a RequestAuthentication there is no filter.
  for (const h of httpFilters([ra], catalog)) assert.ok(!h.names.includes('envoy.filters.http.jwt_authn'), h.names.join(','));
  for (const h of httpFilters([], gateway)) assert.ok(!h.names.includes('envoy.filters.http.jwt_authn'));
});

test('a mesh-wide policy reaches sidecar inbound only; rules sorted by issuer; token locations and outputs carried', async () => {
  const keys = await jwks();
  const ra = requestAuthn('istio-system', 'mesh', {
    jwtRules: [
      { issuer: 'z-issuer', jwks: keys, audiences: ['a1'], fromHeaders: [{ name: 'x-token', prefix: 'Token ' }], fromParams: ['tok'],
        fromCookies: ['session'], forwardOriginalToken: true, outputPayloadToHeader: 'x-payload',
        outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }], spaceDelimitedClaims: ['roles'] },
      { issuer: 'a-issuer', jwks: keys },
    ],
  });
  const hcms = httpFilters([ra], catalog);
  const withJwt = hcms.filter((h) => h.jwt.length === 1);
  assert.equal(withJwt.length, 1, 'the inbound HCM only, not the outbound ones');
  const cfg = withJwt[0]!.jwt[0]!;
  assert.equal(cfg['providers']['origins-0'].issuer, 'a-issuer');
  assert.deepEqual(cfg['providers']['origins-1'], {
    issuer: 'z-issuer', audiences: ['a1'], localJwks: { inlineString: keys }, forward: true,
    fromHeaders: [{ name: 'x-token', valuePrefix: 'Token ' }], fromParams: ['tok'], fromCookies: ['session'],
    forwardPayloadHeader: 'x-payload', payloadInMetadata: 'payload',
    normalizePayloadInMetadata: { spaceDelimitedClaims: ['permission', 'roles', 'scope'] },
    claimToHeaders: [{ headerName: 'x-sub', claimName: 'sub' }],
  });
  const any = (n: string): J => ({ requiresAny: { requirements: [{ providerName: n }, { allowMissing: {} }] } });
  assert.deepEqual(cfg['rules'][0].requires, { requiresAny: { requirements: [
    { providerName: 'origins-0' }, { providerName: 'origins-1' }, { requiresAll: { requirements: [any('origins-0'), any('origins-1')] } }] } });
});

test('jwksUri: remote_jwks through the mesh cluster serving it, else a JWKS nobody signs for', () => {
  const ra = requestAuthn('istio-system', 'r', { jwtRules: [{ issuer: 'i', jwksUri: 'http://jwks.ns.svc.cluster.local:8000/keys', timeout: '1m30s' }] });
  const lookup = (host: string, port: number): string | undefined =>
    (host === 'jwks.ns.svc.cluster.local' && port === 8000 ? `outbound|${port}||${host}` : undefined);
  const remote = jwtAuthentication([ra], lookup)!;
  assert.deepEqual((remote['providers'] as J)['origins-0'].remoteJwks, {
    httpUri: { uri: 'http://jwks.ns.svc.cluster.local:8000/keys', cluster: 'outbound|8000||jwks.ns.svc.cluster.local', timeout: '90s' }, cacheDuration: '300s' });
  const missing = jwtAuthentication([ra], () => undefined)!;
  assert.deepEqual((missing['providers'] as J)['origins-0'].localJwks, { inlineString: FAKE_JWKS });
  // Through the push context: the cluster of a visible service port.
  const svc = fakeService('jwks.ns.svc.cluster.local', 'ns', [{ name: 'http', port: 8000, targetPort: 8000, protocol: 'HTTP' }]);
  const [inbound] = httpFilters([ra], catalog, [svc]).filter((h) => h.jwt.length === 1);
  assert.equal(inbound?.jwt[0]?.['providers']['origins-0'].remoteJwks.httpUri.cluster, 'outbound|8000||jwks.ns.svc.cluster.local');
  assert.equal(jwtAuthentication([requestAuthn('ns', 'none', {})], lookup), undefined);
});
