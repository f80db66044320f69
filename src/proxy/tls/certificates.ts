// The certificate chains and private keys of a CommonTlsContext (tls_certificates), read and
// checked (once per content), in the shape node's createSecureContext takes (several key types side by side).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { CommonTlsContext } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import { dataSourceName, readDataSourceBytes } from './data-source.js';
import { tlsFail } from './errors.js';
import { checkedOnce, digestOf } from './shared-material.js';

/** Whether `chain` parses as a certificate chain. */
function chainParses(chain: Buffer): boolean {
  try {
    new X509Certificate(chain);
    return true;
  } catch {
    return false;
  }
}

/** Why `key` cannot serve with `chain` (it does not parse, or does not match), or null. */
function keyFailure(chain: Buffer, key: Buffer, passphrase: string | undefined): string | null {
  let keyObject;
  try {
    keyObject = createPrivateKey(passphrase !== undefined ? { key, passphrase } : { key });
  } catch (e) {
    return (e as Error).message;
  }
  return new X509Certificate(chain).checkPrivateKey(keyObject) ? null : 'the private key does not match the certificate';
}

/** Keys and chains for node (index i of each list belongs together). */
export interface LoadedCertificates {
  readonly key: { pem: Buffer; passphrase?: string }[];
  readonly cert: Buffer[];
}

/** Reads `common.tls_certificates` (SDS secrets already in place); `path` is the CommonTlsContext's field path. */
export function loadCertificates(common: CommonTlsContext | undefined, path: readonly PathSeg[]): LoadedCertificates {
  const out: LoadedCertificates = { key: [], cert: [] };
  if (common === undefined) return out;
  if (common.tlsCertificateProviderInstance !== undefined || common.tlsCertificateCertificateProvider !== undefined
    || common.tlsCertificateCertificateProviderInstance !== undefined) {
    tlsFail(path, 'certificate providers are not supported by Strait');
  }
  common.tlsCertificates.forEach((c, i) => {
    const at = [...path, 'tls_certificates', i];
    if (c.privateKeyProvider !== undefined) tlsFail([...at, 'private_key_provider'], 'private key providers are not supported by Strait');
    const chain = readDataSourceBytes(c.certificateChain, [...at, 'certificate_chain']);
    if (!checkedOnce(digestOf('chain', chain), () => chainParses(chain))) {
      tlsFail([...at, 'certificate_chain'], `Failed to load certificate chain from ${dataSourceName(c.certificateChain)}`);
    }
    const key = readDataSourceBytes(c.privateKey, [...at, 'private_key']);
    const passphrase = c.password !== undefined ? readDataSourceBytes(c.password, [...at, 'password']).toString('utf8') : undefined;
    const cause = checkedOnce(digestOf('key', chain, key, passphrase), () => keyFailure(chain, key, passphrase));
    if (cause !== null) tlsFail([...at, 'private_key'], `Failed to load private key from ${dataSourceName(c.privateKey)}, Cause: ${cause}`);
    out.key.push(passphrase !== undefined ? { pem: key, passphrase } : { pem: key });
    out.cert.push(chain);
  });
  return out;
}
