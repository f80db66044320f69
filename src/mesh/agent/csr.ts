// A workload's PKCS#10 certificate request (RFC 2986) as istio-agent makes it: an empty subject and a
// critical subjectAltName with the SPIFFE URI, signed with SHA-256, written with node:crypto alone.
import { sign, type KeyObject } from 'node:crypto';

/** One DER element: tag, definite length, contents. */
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length = n < 0x80 ? Buffer.from([n]) : (() => {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
  })();
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const SEQUENCE = 0x30;
const SET = 0x31;
/** An OBJECT IDENTIFIER from its dotted form. */
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const base128: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      base128.unshift((v & 0x7f) | (base128.length > 0 ? 0x80 : 0));
      if (v < 128) break;
    }
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const SUBJECT_ALT_NAME = '2.5.29.17';
/** The signature algorithm per key type: sha256WithRSAEncryption (NULL parameters) or ecdsa-with-SHA256. */
const SIGNATURE_ALGORITHM: Record<string, Buffer> = {
  rsa: der(SEQUENCE, oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00])),
  ec: der(SEQUENCE, oid('1.2.840.10045.4.3.2')),
};

/** A PEM certificate request for `uri`, signed by `privateKey` (RSA or EC) for its `publicKey`. */
export function certificateRequestPem(uri: string, publicKey: KeyObject, privateKey: KeyObject): string {
  const algorithm = SIGNATURE_ALGORITHM[privateKey.asymmetricKeyType ?? ''];
  if (algorithm === undefined) throw new Error(`unsupported workload key type ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  // GeneralNames with one uniformResourceIdentifier ([6] IMPLICIT IA5String), critical because the subject is empty.
  const altNames = der(SEQUENCE, der(0x86, Buffer.from(uri, 'ascii')));
  const extension = der(SEQUENCE, oid(SUBJECT_ALT_NAME), Buffer.from([0x01, 0x01, 0xff]), der(0x04, altNames));
  const attributes = der(0xa0, der(SEQUENCE, oid(EXTENSION_REQUEST), der(SET, der(SEQUENCE, extension))));
  const info = der(SEQUENCE, Buffer.from([0x02, 0x01, 0x00]), der(SEQUENCE), publicKey.export({ type: 'spki', format: 'der' }), attributes);
  const signature = sign('sha256', info, privateKey);
  const request = der(SEQUENCE, info, algorithm, der(0x03, Buffer.from([0]), signature));
  const base64 = request.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${base64}\n-----END CERTIFICATE REQUEST-----\n`;
}
