// The agent's side of Istio's certificate service: it makes the workload's key (which never leaves
// the pod), sends a CSR for its SPIFFE id with the pod's token, and gets the signed chain back.
import { generateKeyPair, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { create } from '@bufbuild/protobuf';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  IstioCertificateRequestSchema, IstioCertificateService, type IstioCertificateResponse,
} from '../../xds/gen/istio/v1/auth/ca_pb.js';
import { grpcServiceDefinition } from '../../xds/server/grpc-service.js';
import { splitPemCertificates } from '../../pilot/ca/pem.js';
import { certificateRequestPem } from './csr.js';

export interface CaClientOptions {
  /** host:port of the CA (Istio's 15012). */
  address: string;
  /** The mesh root (PEM) the CA's serving certificate is checked against. */
  rootPem: string;
  /** The name on the CA's certificate; default istiod.istio-system.svc. */
  serverName?: string;
  /** The pod's token (Istio: the projected service account token). */
  token: string;
}

/** A workload's key and certificate chain (SDS `default`) and the roots it trusts (SDS `ROOTCA`). */
export interface WorkloadSecret {
  keyPem: string;
  /** The leaf first, then every certificate above it but the root. */
  certChainPem: string;
  rootPem: string;
  notBefore: Date;
  notAfter: Date;
}

const METHOD = grpcServiceDefinition(IstioCertificateService)['createCertificate']!;

/** Asks the CA for a certificate for `identity` lasting `ttlS` seconds. */
export async function requestWorkloadCertificate(opts: CaClientOptions, identity: string, ttlS: number, deadlineMs = 10_000): Promise<WorkloadSecret> {
  // RSA 2048, istio-agent's default workload key.
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const client = new Client(opts.address, credentials.createSsl(Buffer.from(opts.rootPem)), {
    'grpc.ssl_target_name_override': opts.serverName ?? 'istiod.istio-system.svc',
  });
  try {
    const md = new Metadata();
    md.set('authorization', `Bearer ${opts.token}`);
    const request = create(IstioCertificateRequestSchema, { csr: certificateRequestPem(identity, publicKey, privateKey), validityDuration: BigInt(ttlS) });
    const response = await new Promise<IstioCertificateResponse>((resolve, reject) => {
      client.makeUnaryRequest(METHOD.path, METHOD.requestSerialize, METHOD.responseDeserialize, request, md,
        { deadline: Date.now() + deadlineMs },
        (err: ServiceError | null, res?: unknown) => (err ? reject(err) : resolve(res as IstioCertificateResponse)));
    });
    const pems = response.certChain.flatMap(splitPemCertificates);
    if (pems.length < 2) throw new Error('the CA answered without a chain up to a root');
    const root = pems.at(-1)!;
    const leaf = new X509Certificate(pems[0]!);
    return {
      keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      certChainPem: pems.filter((p) => p !== root).join(''),
      rootPem: root,
      notBefore: new Date(leaf.validFrom),
      notAfter: new Date(leaf.validTo),
    };
  } finally {
    client.close();
  }
}
