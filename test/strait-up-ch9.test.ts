// The book's chapter 9 on `strait up` with curl and openssl as clients: mesh-wide STRICT mTLS (a plaintext
// call and a client without a certificate are refused, the server shows its SPIFFE identity), deny-all then
// allow rules by identity (403, 500, 200), and end-user JWTs at the ingress gateway (200/401/403, admin only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { curl, type CurlResult } from './lib/curl.js';
import { sClient } from './lib/s-client.js';
import { straitWithHome } from './lib/strait-cli.js';
import { newHome, startMesh } from './lib/strait-up.js';
import { waitFor } from './lib/wait.js';
import { MeshCa } from '../src/pilot/ca/mesh-ca.js';
import { BOOK_DIR } from '../samples/book-corpus.js';

const CH9 = join(BOOK_DIR, 'ch9');
const ISSUER = 'auth@istioinaction.io';
const HOST = ['-H', 'Host: webapp.istioinaction.io'];
/** meshConfig.accessLogFormat: who called (the client certificate's URI SAN) and whom we called (the server's). */
const LOG_FORMAT = '"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%" %RESPONSE_CODE% %UPSTREAM_CLUSTER% '
  + 'downstream_peer=%DOWNSTREAM_PEER_URI_SAN% upstream_peer=%UPSTREAM_PEER_URI_SAN%';
const spiffe = (sa: string): string => `spiffe://cluster.local/ns/istioinaction/sa/${sa}`;

const sh = (cmd: string, args: string[]): Promise<void> => new Promise((resolve, reject) => {
  execFile(cmd, args, (err, _so, se) => (err ? reject(new Error(`${cmd}: ${se}`)) : resolve()));
});

/** The first certificate s_client printed (-showcerts prints the server's chain, leaf first). */
const firstCert = (out: string): X509Certificate => {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out);
  assert.ok(pem, `no certificate in:\n${out}`);
  return new X509Certificate(pem[0]);
};

test('strait up runs the book\'s chapter 9', { timeout: 170_000 }, async (t) => {
  const home = newHome('strait-up-ch9-');
  let lap = Date.now();
  const laps: string[] = [];
  const done = (what: string): void => { laps.push(`${what} ${((Date.now() - lap) / 1000).toFixed(1)} s`); lap = Date.now(); };
  const tmp = mkdtempSync(join(tmpdir(), 'strait-ch9-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const install = await straitWithHome(home, ['install', '--set', 'profile=demo', '--set', `meshConfig.accessLogFormat=${LOG_FORMAT}`]);
  assert.equal(install.code, 0, install.stderr);
  const mesh = await startMesh(t, home, ['--ingress-port', '0', '--xds-port', '0', '--monitoring-port', '0'], 90_000);
  const { state, run } = mesh;
  done('mesh up');
  const pod = (d: string) => state.pods.find((p) => p.deployment === d)!;
  /** Waits for an access log line of the deployment's proxy that matches `re`. */
  const logLine = (d: string, re: RegExp): Promise<string> => waitFor(`${d}'s access log to show ${re}`, 10_000, () =>
    readFileSync(join(home, 'run', 'logs', `${pod(d).name}.istio-proxy.log`), 'utf8').split('\n').find((l) => re.test(l)), 100);
  const catalog = pod('catalog');
  const webapp = pod('webapp');
  assert.equal(catalog.serviceAccount, 'catalog');
  assert.equal(webapp.serviceAccount, 'webapp');
  const apply = async (file: string): Promise<void> => {
    const r = await run(['apply', '-f', file.startsWith('/') ? file : join(CH9, file)]);
    assert.equal(r.code, 0, `apply ${file}: ${r.stderr}`);
  };
  const remove = async (file: string): Promise<void> => {
    const r = await run(['delete', '-f', join(CH9, file)]);
    assert.equal(r.code, 0, `delete ${file}: ${r.stderr}`);
  };
  const get = (args: string[] = []): Promise<CurlResult> => curl(`http://${state.ingressAddress}/api/catalog`, [...HOST, ...args]);
  /** Waits until the call through the ingress answers `status` (a push reaches the proxies in well under a second). */
  const expect = (status: number, args: string[] = [], what = `${status}`): Promise<CurlResult> =>
    waitFor(`${what} through the ingress`, 15_000, async () => {
      const r = await get(args);
      return r.status === status ? r : undefined;
    }, 100).catch((e: Error) => { throw new Error(`${e.message}\n${mesh.output().slice(-3000)}`); });

  const first = await expect(200);
  assert.equal((JSON.parse(first.body) as unknown[]).length, 4);
  const direct = `http://${catalog.podIp}:3000/items`;
  assert.equal((await curl(direct)).status, 200, 'PERMISSIVE by default: a plaintext call reaches catalog');

  // 1. Mesh-wide STRICT: plaintext is refused; an openssl client without a certificate sees catalog's
  // identity but is turned away; with a certificate from the mesh CA it gets through.
  await apply('meshwide-strict-peer-authn.yaml');
  await waitFor('catalog to refuse plaintext', 15_000, async () => (await curl(direct).then(() => undefined, () => true)), 100);
  await expect(200, [], '200 under STRICT (auto mTLS between the sidecars)');
  const rootCa = join(home, 'run', 'pods', 'root-cert.pem');
  const http = 'GET /items HTTP/1.1\r\nHost: catalog\r\nConnection: close\r\n\r\n';
  const noCert = await sClient(`${catalog.podIp}:3000`, ['-showcerts', '-ign_eof', '-CAfile', rootCa], http);
  const serverCert = firstCert(noCert.stdout);
  assert.equal(serverCert.subjectAltName, `URI:${spiffe('catalog')}`);
  assert.match(noCert.stdout, /Verify return code: 0 \(ok\)/);
  assert.doesNotMatch(noCert.stdout, /HTTP\/1\.1/, 'no answer without a client certificate');
  assert.match(noCert.stdout + noCert.stderr, /alert certificate required/);
  t.diagnostic(`without a client certificate: ${/.*alert.*/i.exec(noCert.stdout + noCert.stderr)?.[0]}`);

  // A workload-level PERMISSIVE (the mesh stays STRICT): webapp takes plaintext again, catalog still does not.
  await apply('workload-permissive-peer-authn.yaml');
  await waitFor('webapp to take plaintext again', 15_000, async () => ((await curl(`http://${webapp.podIp}:8080/api/catalog`).catch(() => undefined))?.status === 200 ? true : undefined), 100);
  assert.equal(await curl(direct).then(() => 'answered', () => 'refused'), 'refused');

  const ca = await MeshCa.open({ dir: join(home, 'ca') });
  await sh('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/O=sleep', '-keyout', join(tmp, 'key.pem'), '-out', join(tmp, 'csr.pem')]);
  const chain = await ca.sign(readFileSync(join(tmp, 'csr.pem'), 'utf8'), ['spiffe://cluster.local/ns/istioinaction/sa/sleep']);
  writeFileSync(join(tmp, 'cert.pem'), chain.join(''));
  const withCert = await sClient(`${catalog.podIp}:3000`, ['-quiet', '-CAfile', rootCa, '-cert', join(tmp, 'cert.pem'), '-key', join(tmp, 'key.pem')], http);
  assert.match(withCert.stdout, /HTTP\/1\.1 200 OK/, withCert.stdout + withCert.stderr);

  // Metrics: catalog's sidecar reports the calls from webapp as mutual TLS with both principals.
  const stats = await (await fetch(`http://${catalog.podIp}:15090/stats/prometheus`)).text();
  const fromWebapp = stats.split('\n').find((l) => l.startsWith('istio_requests_total{') && l.includes('reporter="destination"') &&
    l.includes('source_workload="webapp"'));
  assert.ok(fromWebapp, stats.split('\n').filter((l) => l.startsWith('istio_requests_total')).join('\n'));
  assert.match(fromWebapp, /connection_security_policy="mutual_tls"/);
  assert.match(fromWebapp, /source_principal="spiffe:\/\/cluster\.local\/ns\/istioinaction\/sa\/webapp"/);
  assert.match(fromWebapp, /destination_principal="spiffe:\/\/cluster\.local\/ns\/istioinaction\/sa\/catalog"/);

  // Access logs name the peers where the format asks: catalog's inbound its caller (webapp, or the openssl
  // client's identity), webapp's outbound the server it reached, the gateway's the webapp it reached.
  await logLine('catalog', new RegExp(`"GET /items" 200 inbound\\|3000\\|\\| downstream_peer=${spiffe('webapp')} upstream_peer=-$`));
  await logLine('catalog', new RegExp(`"GET /items" 200 inbound\\|3000\\|\\| downstream_peer=${spiffe('sleep')} upstream_peer=-$`));
  await logLine('webapp', new RegExp(`"GET /items" 200 outbound\\|80\\|\\|catalog\\.istioinaction\\.svc\\.cluster\\.local downstream_peer=- upstream_peer=${spiffe('catalog')}$`));
  await logLine('istio-ingressgateway', new RegExp(`"GET /api/catalog" 200 outbound\\|80\\|\\|webapp\\.istioinaction\\.svc\\.cluster\\.local downstream_peer=- upstream_peer=${spiffe('webapp')}$`));

  done('STRICT mTLS, metrics, access logs');

  // 2. Deny all, then allow the gateway and webapp (catalog still denies webapp: webapp answers 500),
  // then catalog for webapp's identity only.
  await apply('policy-deny-all-mesh.yaml');
  const denied = await expect(403);
  assert.equal(denied.body, 'RBAC: access denied');
  await apply('policy-allow-view-gw.yaml');
  await apply('allow-unauthenticated-view-default-ns.yaml');
  const catalogDenied = await expect(500, [], '500 from webapp (catalog denies it)');
  t.diagnostic(`webapp without catalog: ${catalogDenied.body.slice(0, 200)}`);
  await apply('catalog-viewer-policy.yaml');
  await expect(200, [], '200 with catalog allowing webapp');
  // Another identity (the client certificate above) is still denied by catalog.
  const sleepDenied = await sClient(`${catalog.podIp}:3000`, ['-quiet', '-CAfile', rootCa, '-cert', join(tmp, 'cert.pem'), '-key', join(tmp, 'key.pem')], http);
  assert.match(sleepDenied.stdout, /HTTP\/1\.1 403 Forbidden/);
  assert.match(sleepDenied.stdout, /RBAC: access denied/);

  done('authorization');

  // 3. End users at the gateway: a RequestAuthentication for auth@istioinaction.io and a DENY without a request principal.
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid: 'ch9' }] });
  const token = (iss: string, group: string): Promise<string> => new SignJWT({ group }).setProtectedHeader({ alg: 'RS256', kid: 'ch9' })
    .setIssuer(iss).setSubject(`${group}@istioinaction.io`).setIssuedAt().setExpirationTime('10y').sign(privateKey);
  const bearer = (jwt: string): string[] => ['-H', `Authorization: Bearer ${jwt}`];
  const requestAuthn = join(tmp, 'jwt-token-request-authn.yaml');
  writeFileSync(requestAuthn, `apiVersion: security.istio.io/v1beta1
kind: RequestAuthentication
metadata:
  name: jwt-token-request-authn
  namespace: istio-system
spec:
  selector:
    matchLabels:
      app: istio-ingressgateway
  jwtRules:
  - issuer: "${ISSUER}"
    jwks: '${jwks}'
`);
  await apply(requestAuthn);
  await apply('enduser/app-gw-requires-jwt.yaml');
  const user = await token(ISSUER, 'user');
  const admin = await token(ISSUER, 'admin');
  const noToken = await expect(403, [], '403 without a token');
  assert.equal(noToken.body, 'RBAC: access denied');
  await expect(200, bearer(user), '200 with a user token');
  const otherIssuer = await get(bearer(await token('old-auth@istioinaction.io', 'user')));
  assert.equal(otherIssuer.status, 401);
  assert.equal(otherIssuer.body, 'Jwt issuer is not configured');
  const expiredJwt = await new SignJWT({ group: 'user' }).setProtectedHeader({ alg: 'RS256', kid: 'ch9' }).setIssuer(ISSUER)
    .setSubject('user@istioinaction.io').setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(privateKey);
  const expired = await get(bearer(expiredJwt));
  assert.equal(expired.status, 401);
  assert.equal(expired.body, 'Jwt is expired');
  // Only admins: an ALLOW on the group claim comes, then the GET rule for everyone goes (in this order, no
  // push in between denies everyone).
  await apply('enduser/allow-mesh-all-ops-admin.yaml');
  await remove('policy-allow-view-gw.yaml');
  await expect(403, bearer(user), '403 for a user token');
  assert.equal((await get(bearer(admin))).status, 200);
  assert.equal((await get(bearer(user))).status, 403);
  done('end-user JWTs');
  t.diagnostic(laps.join(', '));
});
