// The mesh CA: a self-signed root kept across restarts, a plugged-in cacerts CA, and
// IstioCertificateService over TLS signing an agent's CSR for the token's identity only (checked with openssl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestWorkloadCertificate } from '../../mesh/agent/ca-client.js';
import { startCaServer } from './ca-server.js';
import { MeshCa } from './mesh-ca.js';

const openssl = (args: string[], input?: string): string => execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

/** The text dump of a PEM certificate. */
const certText = (pem: string): string => openssl(['x509', '-noout', '-text'], pem);

/** openssl verify of leaf against root, with the PEMs in between as untrusted intermediates. */
function verify(dir: string, rootPem: string, chainPem: string): string {
  const [leaf, ...rest] = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  writeFileSync(join(dir, 'root.pem'), rootPem);
  writeFileSync(join(dir, 'leaf.pem'), leaf ?? '');
  writeFileSync(join(dir, 'untrusted.pem'), rest.join('') || (leaf ?? ''));
  return openssl(['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'untrusted.pem'), join(dir, 'leaf.pem')]).trim();
}

test('self-signed root: O=cluster.local for 10 years, made once and kept with a private key file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-ca-'));
  const ca = await MeshCa.open({ dir: join(dir, 'ca') });
  assert.equal(ca.source, 'self-signed');
  const text = certText(ca.rootPem);
  assert.match(text, /Subject: O ?= ?cluster\.local/);
  assert.match(text, /CA:TRUE/);
  const years = (Date.parse(/Not After : (.+)/.exec(text)![1]!) - Date.now()) / (365 * 86400_000);
  assert.ok(years > 9.9 && years < 10.1, `root lasts ${years} years`);
  assert.equal(statSync(join(dir, 'ca', 'ca-key.pem')).mode & 0o777, 0o600);
  const again = await MeshCa.open({ dir: join(dir, 'ca') });
  assert.equal(again.rootPem, ca.rootPem, 'a restart keeps the root');
});

test('plugged-in CA (cacerts): leaves chain through the intermediate to root-cert.pem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-cacerts-'));
  const f = (n: string): string => join(dir, n);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('root-key.pem'), '-out', f('root-cert.pem'),
    '-subj', '/O=Istio/CN=Root CA', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca-key.pem'), '-out', f('ca.csr'), '-subj', '/O=Istio/CN=Intermediate CA']);
  writeFileSync(f('ext.cnf'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\n');
  openssl(['x509', '-req', '-in', f('ca.csr'), '-CA', f('root-cert.pem'), '-CAkey', f('root-key.pem'), '-CAcreateserial',
    '-out', f('ca-cert.pem'), '-days', '30', '-extfile', f('ext.cnf')]);
  const read = (n: string): string => readFileSync(f(n), 'utf8');
  const ca = await MeshCa.open({ dir: f('unused'), pluggedIn: {
    'ca-cert.pem': read('ca-cert.pem'), 'ca-key.pem': read('ca-key.pem'), 'root-cert.pem': read('root-cert.pem'),
    'cert-chain.pem': read('ca-cert.pem') + read('root-cert.pem'),
  } });
  assert.equal(ca.source, 'cacerts');
  assert.equal(ca.rootPem, read('root-cert.pem'));
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('w.key'), '-out', f('w.csr'), '-subj', '/']);
  const chain = await ca.sign(read('w.csr'), ['spiffe://cluster.local/ns/default/sa/sleep']);
  assert.equal(chain.length, 3, 'leaf, cert-chain.pem, root');
  assert.equal(chain[2], read('root-cert.pem'));
  assert.match(verify(dir, read('root-cert.pem'), chain[0]! + read('ca-cert.pem')), /: OK$/);
  assert.match(certText(chain[0]!), /Issuer: O ?= ?Istio, CN ?= ?Intermediate CA/);
});

test('CreateCertificate over TLS: the token names the identity, 24 h by default, refusals as Istio', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-ca-grpc-'));
  const ca = await MeshCa.open({ dir: join(dir, 'ca') });
  const tokens = new Map([['token-webapp', { namespace: 'istioinaction', serviceAccount: 'webapp' }]]);
  const outcomes: string[] = [];
  const server = await startCaServer({ ca, port: 0, authenticate: (tk) => tokens.get(tk), onResult: (o) => outcomes.push(o) });
  t.after(() => server.close());
  const client = { address: `127.0.0.1:${server.port}`, rootPem: ca.rootPem };

  // The agent asks for its own SPIFFE id; the CA signs what the token proves.
  const secret = await requestWorkloadCertificate({ ...client, token: 'token-webapp' }, 'spiffe://cluster.local/ns/istioinaction/sa/admin', 0);
  const text = certText(secret.certChainPem);
  assert.match(text, /X509v3 Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster\.local\/ns\/istioinaction\/sa\/webapp\s/);
  assert.match(text, /Subject: *\n/, 'no subject: the identity is in the SAN');
  assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
  const hours = (secret.notAfter.getTime() - Date.now()) / 3600_000;
  assert.ok(hours > 23.9 && hours <= 24, `lives ${hours} h`);
  assert.equal(secret.rootPem, ca.rootPem);
  assert.match(verify(dir, secret.rootPem, secret.certChainPem), /: OK$/);
  // The key never left the agent: it matches the certificate's public key.
  writeFileSync(join(dir, 'k.pem'), secret.keyPem);
  assert.equal(openssl(['pkey', '-in', join(dir, 'k.pem'), '-pubout']), openssl(['x509', '-noout', '-pubkey'], secret.certChainPem));

  const short = await requestWorkloadCertificate({ ...client, token: 'token-webapp' }, 'x', 60);
  assert.ok(short.notAfter.getTime() - Date.now() <= 60_000 + 1000, 'validity_duration is honoured');

  await assert.rejects(requestWorkloadCertificate({ ...client, token: 'stolen' }, 'x', 0),
    (e: { code?: number; details?: string }) => e.code === 16 && e.details === 'request authenticate failure');
  await assert.rejects(requestWorkloadCertificate({ ...client, token: 'token-webapp' }, 'x', 91 * 86400),
    (e: { code?: number; details?: string }) => e.code === 3 && /greater than the max allowed TTL/.test(e.details ?? ''));
  assert.deepEqual(outcomes, ['issued', 'issued', 'unauthenticated', 'invalid']);
});
