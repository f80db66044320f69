// A throw-away mesh PKI for the mTLS benchmark, made with the openssl CLI: a root CA and SPIFFE
// workload certificates shaped as Istio's (RSA 2048, empty subject, critical URI SAN, both EKUs).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** PEM file paths of one workload's identity. */
export interface WorkloadCert {
  spiffeId: string;
  cert: string;
  key: string;
}

/** The root and the workload certificates, in `dir`. */
export interface MeshPki {
  rootCert: string;
  workloads: Record<string, WorkloadCert>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a root and one certificate per service account `spiffe://cluster.local/ns/default/sa/<name>`. */
export function makeMeshPki(dir: string, serviceAccounts: readonly string[]): MeshPki {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', 'root.key', '-out', 'root.crt',
    '-subj', '/O=cluster.local', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const workloads: Record<string, WorkloadCert> = {};
  for (const sa of serviceAccounts) {
    const spiffeId = `spiffe://cluster.local/ns/default/sa/${sa}`;
    writeFileSync(path.join(dir, `${sa}.ext`), [
      `subjectAltName=critical,URI:${spiffeId}`,
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      'basicConstraints=critical,CA:FALSE',
    ].join('\n') + '\n');
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${sa}.key`, '-out', `${sa}.csr`, '-subj', '/'], dir);
    openssl(['x509', '-req', '-in', `${sa}.csr`, '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-days', '2',
      '-out', `${sa}.crt`, '-extfile', `${sa}.ext`], dir);
    workloads[sa] = { spiffeId, cert: path.join(dir, `${sa}.crt`), key: path.join(dir, `${sa}.key`) };
  }
  return { rootCert: path.join(dir, 'root.crt'), workloads };
}
