// envoy.filters.http.jwt_authn end to end: a real `strait proxy` with local and remote JWKS, tokens
// signed with jose, curl as the client; Envoy's 401 bodies, www-authenticate, claim headers and stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

type KeyLike = Parameters<SignJWT['sign']>[0];
import { startProxy } from './lib/proxy-process.js';
import { startEchoUpstream } from './lib/echo-upstream.js';
import { bootstrapYaml, simpleRoutes } from './lib/config.js';
import { curl } from './lib/curl.js';

const ISSUER = 'auth@example.test';

async function token(key: KeyLike, claims: Record<string, unknown>, iss = ISSUER, expS = 3600): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(iss).setSubject('user-1')
    .setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + expS).sign(key);
}

function jwtFilter(provider: Record<string, unknown>, requires: Record<string, unknown>): Record<string, unknown> {
  return {
    http_filters: [{
      name: 'envoy.filters.http.jwt_authn',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
        providers: { p1: { issuer: ISSUER, claim_to_headers: [{ header_name: 'x-jwt-group', claim_name: 'group' }],
          payload_in_metadata: 'payload', ...provider } },
        rules: [{ match: { prefix: '/open' }, requires: { requires_any: { requirements: [{ provider_name: 'p1' }, { allow_missing: {} }] } } },
          { match: { prefix: '/' }, requires: { provider_name: 'p1' } }],
      },
    }, { name: 'envoy.filters.http.router' }],
    ...requires,
  };
}

test('jwt_authn with local_jwks: valid, expired, other issuer, bad signature, missing', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] });
  const echo = await startEchoUpstream('app');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'app' } }]),
    clusters: [{ name: 'app', ports: [echo.port] }],
    hcm: jwtFilter({ local_jwks: { inline_string: jwks } }, {}),
  }));
  try {
    const port = await proxy.listenerPort('test');
    const url = `http://127.0.0.1:${port}/items?x=1`;
    const good = await token(privateKey, { group: 'admin' });
    const ok = await curl(url, ['-H', `Authorization: Bearer ${good}`]);
    assert.equal(ok.status, 200, ok.body);
    const seen = echo.requests.at(-1)!;
    assert.equal(seen.headers['x-jwt-group'], 'admin', 'claim_to_headers');
    assert.equal(seen.headers.authorization, undefined, 'forward: false removes the token');

    const expired = await curl(url, ['-H', `Authorization: Bearer ${await token(privateKey, {}, ISSUER, -3600)}`]);
    assert.equal(expired.status, 401);
    assert.equal(expired.body, 'Jwt is expired');
    assert.equal(expired.headers['www-authenticate'], `Bearer realm="http://127.0.0.1:${port}/items", error="invalid_token"`);

    const foreign = await curl(url, ['-H', `Authorization: Bearer ${await token(privateKey, {}, 'someone@else')}`]);
    assert.equal(foreign.status, 401);
    assert.equal(foreign.body, 'Jwt issuer is not configured');

    const forged = await curl(url, ['-H', `Authorization: Bearer ${await token(other.privateKey, {})}`]);
    assert.equal(forged.status, 401);
    assert.equal(forged.body, 'Jwt verification fails');

    const garbled = await curl(url, ['-H', 'Authorization: Bearer abc.def']);
    assert.equal(garbled.body, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections');

    const missing = await curl(url);
    assert.equal(missing.status, 401);
    assert.equal(missing.body, 'Jwt is missing');
    assert.equal(missing.headers['www-authenticate'], `Bearer realm="http://127.0.0.1:${port}/items"`);

    assert.equal((await curl(`http://127.0.0.1:${port}/open`)).status, 200, 'allow_missing passes without a token');
    assert.equal((await curl(`http://127.0.0.1:${port}/open`, ['-H', `Authorization: Bearer ${await token(other.privateKey, {})}`])).status,
      401, 'allow_missing still rejects a bad token');
    assert.equal((await curl(`http://127.0.0.1:${port}/open?access_token=${good}`)).status, 200, 'default access_token param');

    const stats = await (await proxy.admin('/stats?filter=jwt_authn')).text();
    assert.match(stats, /http\.ingress_http\.jwt_authn\.allowed: 3/);
    assert.match(stats, /http\.ingress_http\.jwt_authn\.denied: 6/);
  } finally {
    await proxy.stop();
    await echo.close();
  }
});

test('jwt_authn with remote_jwks: fetched through the cluster, cached; a failed fetch is 401', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] });
  let fetches = 0;
  let up = true;
  const jwksServer = http.createServer((req, res) => {
    fetches++;
    if (!up || req.url !== '/.well-known/jwks.json') {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksPort = (jwksServer.address() as AddressInfo).port;
  const echo = await startEchoUpstream('app');
  const proxy = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'app' } }]),
    clusters: [{ name: 'app', ports: [echo.port] }, { name: 'jwks', ports: [jwksPort] }],
    hcm: jwtFilter({ remote_jwks: { http_uri: { uri: `http://jwks.example.test:${jwksPort}/.well-known/jwks.json`, cluster: 'jwks',
      timeout: '2s' }, cache_duration: '300s' } }, {}),
  }));
  try {
    const port = await proxy.listenerPort('test');
    const good = await token(privateKey, { group: 'dev' });
    for (let i = 0; i < 3; i++) {
      const r = await curl(`http://127.0.0.1:${port}/a`, ['-H', `Authorization: Bearer ${good}`]);
      assert.equal(r.status, 200, r.body);
    }
    assert.equal(fetches, 1, 'the key set is cached');
    const stats = await (await proxy.admin('/stats?filter=jwks_fetch')).text();
    assert.match(stats, /jwt_authn\.jwks_fetch_success: 1/);
  } finally {
    await proxy.stop();
  }
  up = false;
  const proxy2 = await startProxy(bootstrapYaml({
    routeConfig: simpleRoutes([{ match: { prefix: '/' }, route: { cluster: 'app' } }]),
    clusters: [{ name: 'app', ports: [echo.port] }, { name: 'jwks', ports: [jwksPort] }],
    hcm: jwtFilter({ remote_jwks: { http_uri: { uri: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`, cluster: 'jwks',
      timeout: '2s' } } }, {}),
  }));
  try {
    const port = await proxy2.listenerPort('test');
    const r = await curl(`http://127.0.0.1:${port}/a`, ['-H', `Authorization: Bearer ${await token(privateKey, {})}`]);
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Jwks remote fetch is failed');
    assert.match(await (await proxy2.admin('/stats?filter=jwks_fetch')).text(), /jwt_authn\.jwks_fetch_failed: 1/);
  } finally {
    await proxy2.stop();
    await echo.close();
    jwksServer.close();
  }
});
