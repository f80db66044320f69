// RequestAuthentication end to end on loopback: `strait pilot` over a watched directory holding the
// book's ch9 gateway JWT policy (inline JWKS made here) and a DENY policy for requests without a
// request principal, an ingress gateway and a catalog sidecar as `strait proxy` processes; curl
// with a valid token gets 200, with another issuer's token 401, without a token 403.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { catalogGatewayYaml, startCatalogGateway } from './lib/catalog-gateway-mesh.js';
import { curl } from './lib/curl.js';
import { waitFor } from './lib/wait.js';

const GATEWAY_IP = '127.68.0.10';
const CATALOG = { name: 'catalog-0', ip: '127.68.0.1', app: '127.68.1.1' };
const ISSUER = 'auth@istioinaction.io';

const mesh = `${catalogGatewayYaml(CATALOG.name, CATALOG.ip)}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: app-gw-requires-jwt, namespace: istio-system }
spec:
  selector: { matchLabels: { app: istio-ingressgateway } }
  action: DENY
  rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }] }]
`;

const requestAuthn = (jwks: string): string => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt-token-request-authn, namespace: istio-system }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  jwtRules:
  - issuer: "${ISSUER}"
    jwks: '${jwks}'
`;

test('a gateway RequestAuthentication with a DENY for no principal: 200 with a valid token, 401 with a bad one, 403 without', { timeout: 90_000 }, async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid: 'k1' }] });
  const sign = (iss: string): Promise<string> => new SignJWT({ group: 'user' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(iss).setSubject('218d3fb9-4628-4d20-943c-124281c80e7b').setIssuedAt().setExpirationTime('1h').sign(privateKey);

  const { withOutputs } = await startCatalogGateway(t, { dirPrefix: 'strait-reqauthn-e2e-', catalog: CATALOG, gatewayIp: GATEWAY_IP,
    files: { 'mesh.yaml': mesh, 'request-authn.yaml': requestAuthn(jwks) },
    app: (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`catalog ${req.method} ${req.url} auth=${req.headers.authorization ?? 'none'}`);
    } });

  const get = (args: string[] = []) => curl(`http://${GATEWAY_IP}:8080/items`, ['-H', 'Host: webapp.istioinaction.io', ...args]);
  const valid = await sign(ISSUER);
  const ok = await waitFor('a request with a valid token through the gateway', 20_000, async () => {
    const r = await get(['-H', `Authorization: Bearer ${valid}`]).catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  }).catch((e: Error) => { throw withOutputs(e); });
  // forwardOriginalToken is unset: the gateway strips the token before the catalog.
  assert.equal(ok.body, 'catalog GET /items auth=none');

  const otherIssuer = await get(['-H', `Authorization: Bearer ${await sign('old-auth@istioinaction.io')}`]);
  assert.equal(otherIssuer.status, 401);
  assert.equal(otherIssuer.body, 'Jwt issuer is not configured');

  const noToken = await get();
  assert.equal(noToken.status, 403);
  assert.equal(noToken.body, 'RBAC: access denied');

  const stats = await (await fetch(`http://${GATEWAY_IP}:15000/stats?filter=jwt_authn`)).text();
  assert.match(stats, /jwt_authn\.allowed: [1-9]/, stats);
  assert.match(stats, /jwt_authn\.denied: 1/, stats);
});
