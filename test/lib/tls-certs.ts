// Test helper: a throw-away PKI made with the openssl CLI in a temp dir: a CA, server certificates
// for example.com / *.example.org (+ IP 127.0.0.1), a client certificate, and a second, unrelated CA;
// workload certificates with SPIFFE URIs on demand.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** File paths of the test PKI (PEM). */
export interface TestPki {
  dir: string;
  caCert: string;
  /** A CA that signed nothing here: verification against it fails. */
  otherCaCert: string;
  /** SAN DNS:example.com, IP:127.0.0.1. */
  serverCert: string;
  serverKey: string;
  /** SAN DNS:*.example.org, DNS:other.example.org. */
  otherServerCert: string;
  otherServerKey: string;
  /** SAN URI:spiffe://cluster.local/ns/default/sa/client. */
  clientCert: string;
  clientKey: string;
  /** A client certificate from the same CA with SAN URI:spiffe://elsewhere.example/sa/stranger. */
  strangerCert: string;
  strangerKey: string;
  read(path: string): Buffer;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

function ca(dir: string, name: string, cn: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function leaf(dir: string, name: string, cn: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`,
    '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`], dir);
}

/** Makes the PKI (about 0.2 s); call remove() when done. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'strait-pki-'));
  ca(dir, 'ca', 'Strait Test CA');
  ca(dir, 'other-ca', 'Unrelated CA');
  leaf(dir, 'server', 'example.com', 'subjectAltName=DNS:example.com,IP:127.0.0.1\nextendedKeyUsage=serverAuth');
  leaf(dir, 'other-server', 'other.example.org',
    'subjectAltName=DNS:*.example.org,DNS:other.example.org\nextendedKeyUsage=serverAuth');
  leaf(dir, 'client', 'client', 'subjectAltName=URI:spiffe://cluster.local/ns/default/sa/client\nextendedKeyUsage=clientAuth');
  leaf(dir, 'stranger', 'stranger', 'subjectAltName=URI:spiffe://elsewhere.example/sa/stranger\nextendedKeyUsage=clientAuth');
  const p = (f: string): string => join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    otherCaCert: p('other-ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    otherServerCert: p('other-server.crt'),
    otherServerKey: p('other-server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    strangerCert: p('stranger.crt'),
    strangerKey: p('stranger.key'),
    read: (path: string) => readFileSync(path),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A workload certificate from the PKI's CA, as Istio's: its only SAN a SPIFFE URI, for servers and clients. */
export function makeWorkloadCert(pki: TestPki, name: string, spiffe: string): { cert: string; key: string } {
  leaf(pki.dir, name, name, `subjectAltName=URI:${spiffe}\nextendedKeyUsage=serverAuth,clientAuth`);
  return { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
}
