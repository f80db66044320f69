// X.509 building blocks of the mesh CA over node's WebCrypto (@peculiar/x509 signs, node:crypto
// parses any PEM key): key pairs, serial numbers and the signing algorithm of a key.
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };

/** RSA 2048 with SHA-256, Istio's default for roots and workload keys. */
export const RSA_2048: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048,
};

/** A new exportable RSA 2048 key pair. */
export function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(RSA_2048, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** The WebCrypto signing algorithm for a node KeyObject (RSA or EC P-256/P-384). */
function algorithmOf(key: KeyObject): RsaHashedImportParams | EcKeyImportParams {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'secp384r1' ? 'P-384' : 'P-256';
    return { name: 'ECDSA', namedCurve };
  }
  throw new Error(`unsupported CA key type ${key.asymmetricKeyType ?? 'unknown'} (RSA or EC keys only)`);
}

/** A signing key from PEM (PKCS#1, SEC1 or PKCS#8), with the algorithm certificates are signed with. */
export async function importSigningKey(pem: string): Promise<{ key: CryptoKey; algorithm: Algorithm }> {
  const keyObject = createPrivateKey(pem);
  const algorithm = algorithmOf(keyObject);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, true, ['sign']);
  const signing: Algorithm = algorithm.name === 'ECDSA'
    ? { name: 'ECDSA', hash: (algorithm as EcKeyImportParams).namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256' } as EcdsaParams
    : algorithm;
  return { key, algorithm: signing };
}

/** A private key as PKCS#8 PEM. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** A random positive 128-bit serial number in hex, as Istio's CA draws them. */
export function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}
