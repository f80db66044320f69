// Istio's IstioCertificateService/CreateCertificate over gRPC: the caller proves who it is with a
// bearer token, and the CA signs its CSR for that identity (the CSR's own names are not trusted).
import { create } from '@bufbuild/protobuf';
import { status as GrpcStatus, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation, type ServiceDefinition } from '@grpc/grpc-js';
import {
  IstioCertificateResponseSchema, IstioCertificateService,
  type IstioCertificateRequest, type IstioCertificateResponse,
} from '../../xds/gen/istio/v1/auth/ca_pb.js';
import { grpcServiceDefinition } from '../../xds/server/grpc-service.js';
import { CaRequestError, type MeshCa } from './mesh-ca.js';
import { spiffeId, type WorkloadIdentity } from './spiffe.js';

/** Maps a bearer token to the workload it was given to, or undefined when it is not known. */
export type TokenAuthenticator = (token: string) => WorkloadIdentity | undefined;

export interface CertificateServiceOptions {
  ca: MeshCa;
  authenticate: TokenAuthenticator;
  trustDomain?: string;
  /** Called after each answered request (for metrics and logs). */
  onResult?: (outcome: 'issued' | 'unauthenticated' | 'invalid' | 'error', identity?: string) => void;
}

/** The service definition and its implementation, to add to a grpc-js Server. */
export function certificateService(opts: CertificateServiceOptions): { definition: ServiceDefinition; impl: UntypedServiceImplementation } {
  const report = opts.onResult ?? (() => {});
  const createCertificate = (call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>,
    done: sendUnaryData<IstioCertificateResponse>): void => {
    const header = String(call.metadata.get('authorization')[0] ?? '');
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const who = token === undefined ? undefined : opts.authenticate(token);
    if (who === undefined) {
      report('unauthenticated');
      done({ code: GrpcStatus.UNAUTHENTICATED, details: 'request authenticate failure' });
      return;
    }
    const identity = spiffeId(who, opts.trustDomain);
    opts.ca.sign(call.request.csr, [identity], Number(call.request.validityDuration)).then((chain) => {
      report('issued', identity);
      done(null, create(IstioCertificateResponseSchema, { certChain: chain }));
    }, (err: unknown) => {
      const invalid = err instanceof CaRequestError;
      report(invalid ? 'invalid' : 'error', identity);
      done({ code: invalid ? GrpcStatus.INVALID_ARGUMENT : GrpcStatus.INTERNAL, details: `CSR signing error (${(err as Error).message})` });
    });
  };
  return { definition: grpcServiceDefinition(IstioCertificateService), impl: { createCertificate } };
}
