// Tests building TLS contexts from Envoy's protos: Envoy's error wording with field paths for bad
// files, keys, ciphers and validation contexts; SAN parsing and matching; the TLS failure text.
import { test, before, after } from 'node:test';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { SubjectAltNameMatcherSchema } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { StringMatcherSchema } from '../../xds/gen/envoy/type/matcher/v3/string_pb.js';
import { registry } from '../../xds/registry.js';
import { TlsConfigError } from './errors.js';
import { compileSanMatchers, parseSubjectAltNames } from './san-match.js';
import { ServerTlsContext } from './server-context.js';
import { ClientTlsContext } from './client-context.js';
import { tlsFailureText } from './transport-failure.js';
import { SslStats } from './tls-stats.js';
import { StatsStore } from '../stats/store.js';

let dir = '';
let cert = '';
let key = '';
let otherKey = '';
let cert2 = '';
let key2 = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'strait-tlscfg-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  otherKey = join(dir, 'other.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=example.com'], { stdio: 'ignore' });
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKey],
    { stdio: 'ignore' });
  cert2 = join(dir, 'cert2.pem');
  key2 = join(dir, 'key2.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key2, '-out', cert2, '-days', '1', '-subj', '/CN=second.example.com'], { stdio: 'ignore' });
  writeFileSync(join(dir, 'empty.pem'), '');
});

after(() => rmSync(dir, { recursive: true, force: true }));

function server(json: JsonObject): ServerTlsContext {
  return new ServerTlsContext(fromJson(DownstreamTlsContextSchema, json, { registry }), ['typed_config']);
}

function client(json: JsonObject): ClientTlsContext {
  return new ClientTlsContext(fromJson(UpstreamTlsContextSchema, json, { registry }), ['typed_config']);
}

function certs(c = cert, k = key): JsonObject {
  return { tls_certificates: [{ certificate_chain: { filename: c }, private_key: { filename: k } }] };
}

function tlsError(f: () => unknown): TlsConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsConfigError) return e;
    throw e;
  }
  throw new Error('expected a TlsConfigError');
}

test('a server context from files, inline strings, ALPN and TLS parameters', () => {
  const ctx = server({ common_tls_context: { ...certs(), alpn_protocols: ['h2', 'http/1.1'],
    tls_params: { tls_minimum_protocol_version: 'TLSv1_3', cipher_suites: ['[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]'] } } });
  assert.deepEqual(ctx.alpn, ['h2', 'http/1.1']);
  assert.equal(ctx.requestsClientCert, false);
  const inline = client({ sni: 'example.com', common_tls_context: {
    validation_context: { trusted_ca: { inline_string: execFileSync('cat', [cert]).toString() } } } });
  assert.equal(inline.sni, 'example.com');
});

test('Envoy\'s errors with the field path: missing file, empty file, bad chain, mismatched key, no certificates', () => {
  const missing = tlsError(() => server({ common_tls_context: certs(join(dir, 'nope.pem')) }));
  assert.equal(missing.message, `.typed_config.common_tls_context.tls_certificates[0].certificate_chain.filename: Invalid path: ${join(dir, 'nope.pem')}`);
  const empty = tlsError(() => server({ common_tls_context: certs(join(dir, 'empty.pem')) }));
  assert.match(empty.detail, /^file .*empty\.pem is empty$/);
  const badChain = tlsError(() => server({ common_tls_context: certs(key, key) }));
  assert.equal(badChain.detail, `Failed to load certificate chain from ${key}`);
  const mismatch = tlsError(() => server({ common_tls_context: certs(cert, otherKey) }));
  assert.equal(mismatch.message, `.typed_config.common_tls_context.tls_certificates[0].private_key: Failed to load private key from ${otherKey}, `
    + 'Cause: the private key does not match the certificate');
  const none = tlsError(() => server({ common_tls_context: {} }));
  assert.equal(none.detail, 'No TLS certificates found for server context');
});

test('a bad chain or key is refused each time it is loaded, though its check runs once per content', () => {
  for (let i = 0; i < 2; i++) {
    assert.equal(tlsError(() => client({ common_tls_context: certs(key, key) })).detail, `Failed to load certificate chain from ${key}`);
    assert.equal(tlsError(() => server({ common_tls_context: certs(cert, otherKey) })).detail,
      `Failed to load private key from ${otherKey}, Cause: the private key does not match the certificate`);
  }
});

test('upstream contexts made from one certificate or from two: each presents its own to the upstream', async (t) => {
  const seen: string[] = [];
  const upstream = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert), requestCert: true, rejectUnauthorized: false },
    (s) => {
      seen.push(String(s.getPeerCertificate().subject?.CN));
      s.end();
    });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => upstream.close());
  const port = (upstream.address() as { port: number }).port;
  const stats = new SslStats(new StatsStore().scope('cluster.c.ssl'));
  const connect = (ctx: ClientTlsContext): Promise<void> => new Promise((resolve, reject) => {
    const s = ctx.connect('127.0.0.1', port, [], stats, () => undefined);
    s.on('error', reject).on('close', () => resolve()).resume();
  });
  const contexts = [client({ sni: 'a.test', common_tls_context: certs() }), client({ sni: 'b.test', common_tls_context: certs() }),
    client({ sni: 'c.test', common_tls_context: certs(cert2, key2) })];
  for (const ctx of contexts) await connect(ctx);
  assert.deepEqual(seen, ['example.com', 'example.com', 'second.example.com']);
  assert.equal(stats.counters.handshake.value, 3);
});

test('unknown cipher suites are named; SAN matchers need a trusted CA', () => {
  const ciphers = tlsError(() => server({ common_tls_context: { ...certs(),
    tls_params: { cipher_suites: ['ECDHE-RSA-AES128-GCM-SHA256', 'NOT-A-CIPHER'] } } }));
  assert.equal(ciphers.message, '.typed_config.common_tls_context.tls_params.cipher_suites: Failed to initialize cipher suites '
    + 'ECDHE-RSA-AES128-GCM-SHA256:NOT-A-CIPHER. The following ciphers were rejected when tried individually: NOT-A-CIPHER');
  const san = tlsError(() => client({ common_tls_context: { validation_context: {
    match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'a.test' } }] } } }));
  assert.equal(san.detail, 'SAN-based verification of peer certificates without trusted CA is insecure and not allowed');
  const hash = tlsError(() => client({ common_tls_context: { validation_context: { verify_certificate_hash: ['zz'] } } }));
  assert.equal(hash.message, '.typed_config.common_tls_context.validation_context.verify_certificate_hash[0]: Invalid hex-encoded SHA-256 zz');
});

test('node\'s subjectaltname text parses into typed SANs (IPv6 compressed, quoted values)', () => {
  assert.deepEqual(parseSubjectAltNames('DNS:*.example.com, IP Address:0:0:0:0:0:0:0:1, IP Address:127.0.0.1, '
    + 'URI:spiffe://cluster.local/ns/default/sa/x, email:a@b.c, DNS:"a,b.test"'), [
    { type: 'DNS', value: '*.example.com' }, { type: 'IP_ADDRESS', value: '::1' }, { type: 'IP_ADDRESS', value: '127.0.0.1' },
    { type: 'URI', value: 'spiffe://cluster.local/ns/default/sa/x' }, { type: 'EMAIL', value: 'a@b.c' },
    { type: 'DNS', value: 'a,b.test' },
  ]);
  assert.deepEqual(parseSubjectAltNames(undefined), []);
});

test('SAN matchers: typed ones look at their type only; DNS exact covers one wildcard label; legacy ones any type', () => {
  const typed = (t: JsonObject) => compileSanMatchers([fromJson(SubjectAltNameMatcherSchema, t)], [], []);
  const sans = parseSubjectAltNames('DNS:*.example.com, URI:spiffe://td/ns/a/sa/b, IP Address:10.0.0.1');
  assert.ok(typed({ san_type: 'DNS', matcher: { exact: 'api.example.com' } })[0].matches(sans));
  assert.ok(!typed({ san_type: 'DNS', matcher: { exact: 'a.b.example.com' } })[0].matches(sans));
  assert.ok(typed({ san_type: 'URI', matcher: { prefix: 'spiffe://td/' } })[0].matches(sans));
  assert.ok(!typed({ san_type: 'DNS', matcher: { prefix: 'spiffe://td/' } })[0].matches(sans));
  assert.ok(typed({ san_type: 'IP_ADDRESS', matcher: { exact: '10.0.0.1' } })[0].matches(sans));
  const legacy = compileSanMatchers([], [fromJson(StringMatcherSchema, { suffix: '/sa/b' })], []);
  assert.ok(legacy.some((m) => m.matches(sans)));
  const other = tlsError(() => typed({ san_type: 'OTHER_NAME', matcher: { exact: 'x' } }));
  assert.equal(other.message, '.match_typed_subject_alt_names[0].san_type: OTHER_NAME SAN matchers are not supported by Strait');
});

test('TLS failure text in Envoy\'s form for node\'s OpenSSL errors', () => {
  const wrongVersion = Object.assign(new Error('ssl3_get_record:wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
  assert.equal(tlsFailureText(wrongVersion), 'TLS_error:|268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end');
  const alert = Object.assign(new Error('ssl3_read_bytes:tlsv13 alert certificate required:SSL alert number 116'),
    { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
  assert.equal(tlsFailureText(alert), 'TLS_error:|268436572:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED:TLS_error_end');
  assert.equal(tlsFailureText(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), null);
});
