// The mesh's certificate authority (Istio's Citadel role): a self-signed root kept in a directory
// (istio-ca-secret's files) or a plugged-in CA (the cacerts Secret), signing workload CSRs.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { splitPemCertificates } from './pem.js';
import { generateKeyPair, importSigningKey, privateKeyPem, RSA_2048, serialNumber, x509 } from './pki.js';

/** Istio's DEFAULT_WORKLOAD_CERT_TTL (24 h) and MAX_WORKLOAD_CERT_TTL (90 days), in seconds. */
export const DEFAULT_WORKLOAD_CERT_TTL_S = 24 * 3600;
export const MAX_WORKLOAD_CERT_TTL_S = 90 * 24 * 3600;
/** CITADEL_SELF_SIGNED_CA_CERT_TTL: 3650 days. */
const SELF_SIGNED_ROOT_TTL_MS = 3650 * 24 * 3600 * 1000;
/** Istio's ClockSkewGracePeriod: certificates are valid from two minutes before they are made. */
const CLOCK_SKEW_MS = 2 * 60 * 1000;

/** The files of the cacerts Secret (a plugged-in CA), as Istio names them. */
export interface CaCertFiles {
  'ca-cert.pem': string;
  'ca-key.pem': string;
  'root-cert.pem': string;
  'cert-chain.pem'?: string;
}

export interface MeshCaOptions {
  /** Where a self-signed root is created and kept (ca-cert.pem, ca-key.pem). */
  dir: string;
  /** The SPIFFE trust domain; default cluster.local (the self-signed root's organization). */
  trustDomain?: string;
  /** A plugged-in CA; when set, `dir` is not used. */
  pluggedIn?: CaCertFiles;
  /** Lifetime when a CSR asks for none; default 24 h. */
  defaultTtlS?: number;
  /** Longest lifetime a CSR may ask for; default 90 days. */
  maxTtlS?: number;
}

/** A request the CA refuses (bad CSR, bad lifetime): the gRPC service answers InvalidArgument. */
export class CaRequestError extends Error {}

/** A signing CA: its certificate and key, the chain above it and the root (the trust bundle). */
export class MeshCa {
  private constructor(
    readonly source: 'self-signed' | 'cacerts',
    private readonly cert: x509.X509Certificate,
    private readonly key: CryptoKey,
    private readonly algorithm: Algorithm,
    /** PEM of the chain from the signing CA up (cert-chain.pem), empty for a self-signed root. */
    private readonly chainPem: string,
    /** The root certificate(s), PEM: what workloads trust (SDS `ROOTCA`). */
    readonly rootPem: string,
    private readonly defaultTtlS: number,
    private readonly maxTtlS: number,
  ) {}

  /** Opens the plugged-in CA, or the self-signed root in `dir` (made on first use). */
  static async open(opts: MeshCaOptions): Promise<MeshCa> {
    const defaultTtl = opts.defaultTtlS ?? DEFAULT_WORKLOAD_CERT_TTL_S;
    const maxTtl = opts.maxTtlS ?? MAX_WORKLOAD_CERT_TTL_S;
    if (opts.pluggedIn !== undefined) {
      const f = opts.pluggedIn;
      const cert = new x509.X509Certificate(f['ca-cert.pem']);
      const { key, algorithm } = await importSigningKey(f['ca-key.pem']);
      return new MeshCa('cacerts', cert, key, algorithm, f['cert-chain.pem'] ?? '', f['root-cert.pem'], defaultTtl, maxTtl);
    }
    const certFile = join(opts.dir, 'ca-cert.pem');
    const keyFile = join(opts.dir, 'ca-key.pem');
    if (!existsSync(certFile) || !existsSync(keyFile)) {
      const made = await selfSignedRoot(opts.trustDomain ?? 'cluster.local');
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
      writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
      writeFileSync(certFile, made.certPem);
    }
    const certPem = readFileSync(certFile, 'utf8');
    const { key, algorithm } = await importSigningKey(readFileSync(keyFile, 'utf8'));
    return new MeshCa('self-signed', new x509.X509Certificate(certPem), key, algorithm, '', certPem, defaultTtl, maxTtl);
  }

  /**
   * Signs a PKCS#10 CSR for `identities` (URIs such as spiffe://cluster.local/ns/N/sa/S; the CSR's own
   * names are not trusted). Returns Istio's cert_chain: the leaf, the chain above the CA (if any), the root.
   */
  async sign(csrPem: string, identities: readonly string[], ttlS = 0): Promise<string[]> {
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem);
    } catch {
      throw new CaRequestError('failed to decode the CSR');
    }
    if (!(await csr.verify().catch(() => false))) throw new CaRequestError('the CSR signature does not verify');
    const ttl = ttlS > 0 ? ttlS : this.defaultTtlS;
    if (ttl > this.maxTtlS) throw new CaRequestError(`requested TTL ${ttl}s is greater than the max allowed TTL ${this.maxTtlS}s`);
    const leaf = await this.issue(csr.publicKey, identities.map((value) => ({ type: 'url' as const, value })), ttl * 1000,
      csr.subject.includes('CN=') ? identities[0] : undefined);
    const out = [leaf];
    if (this.chainPem !== '') out.push(this.chainPem);
    out.push(this.rootPem);
    return out;
  }

  /** A key and a serving certificate for DNS names (the control plane's own TLS certificate on 15012). */
  async issueServing(dnsNames: readonly string[], ttlS = DEFAULT_WORKLOAD_CERT_TTL_S): Promise<{ certChainPem: string; keyPem: string }> {
    const keys = await generateKeyPair();
    const leaf = await this.issue(keys.publicKey, dnsNames.map((value) => ({ type: 'dns' as const, value })), ttlS * 1000);
    const chain = this.chainPem !== '' ? splitPemCertificates(this.chainPem).join('') : '';
    return { certChainPem: leaf + chain, keyPem: await privateKeyPem(keys.privateKey) };
  }

  private async issue(publicKey: x509.PublicKey | CryptoKey, names: x509.JsonGeneralName[], ttlMs: number, commonName?: string): Promise<string> {
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: commonName !== undefined ? `CN=${commonName}` : '',
      issuer: this.cert.subject,
      notBefore: new Date(now - CLOCK_SKEW_MS),
      notAfter: new Date(now + ttlMs),
      signingAlgorithm: this.algorithm,
      publicKey,
      signingKey: this.key,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.BasicConstraintsExtension(false, undefined, true),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
        new x509.SubjectAlternativeNameExtension(names, commonName === undefined),
      ],
    });
    return cert.toString('pem') + '\n';
  }
}

/** A new self-signed root as Istio's self-signed Citadel makes it: O=<trust domain>, 10 years, RSA 2048. */
async function selfSignedRoot(trustDomain: string): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `O=${trustDomain}`,
    notBefore: new Date(now),
    notAfter: new Date(now + SELF_SIGNED_ROOT_TTL_MS),
    signingAlgorithm: RSA_2048,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
}
