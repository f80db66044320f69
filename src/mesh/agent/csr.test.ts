// The agent's certificate request, read by openssl as a CA would: the signature verifies, the subject is
// empty and the SPIFFE URI is a critical subjectAltName, for RSA and EC P-256 workload keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { certificateRequestPem } from './csr.js';

const URI = 'spiffe://cluster.local/ns/istioinaction/sa/webapp';
/** openssl's dump of a request and its verdict on the self-signature (OpenSSL 3 exits 0 either way: its line tells). */
function opensslReq(pem: string): string {
  const r = spawnSync('openssl', ['req', '-verify', '-noout', '-text'], { input: pem, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout + r.stderr;
}

for (const [name, keys, signature, publicKey] of [
  ['RSA 2048', generateKeyPairSync('rsa', { modulusLength: 2048 }), /sha256WithRSAEncryption/, /RSA Public-Key: \(2048 bit\)|Public-Key: \(2048 bit\)/],
  ['EC P-256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), /ecdsa-with-SHA256/, /Public-Key: \(256 bit\)/],
] as const) {
  test(`a ${name} workload key's CSR verifies in openssl with the SPIFFE URI as a critical SAN and no subject`, () => {
    const text = opensslReq(certificateRequestPem(URI, keys.publicKey, keys.privateKey));
    assert.match(text, /self-signature verify OK/, text);
    assert.match(text, /Subject:\s*\n/, text);
    assert.match(text, signature);
    assert.match(text, publicKey);
    assert.match(text, /X509v3 Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster\.local\/ns\/istioinaction\/sa\/webapp/);
  });
}

test('a CSR signed by another key than the one it carries does not verify', () => {
  const a = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const b = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  assert.match(opensslReq(certificateRequestPem(URI, a.publicKey, b.privateKey)), /self-signature verify failure/);
});
