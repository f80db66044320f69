// The control plane's CA endpoint: IstioCertificateService over gRPC with TLS (Istio's 15012), served
// with a certificate the mesh CA issues to istiod's names, so agents verify it with the mesh root.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { certificateService, type CertificateServiceOptions } from './certificate-service.js';

/** The DNS names of istiod's serving certificate. */
export const ISTIOD_DNS_NAMES = ['istiod.istio-system.svc', 'istiod.istio-system.svc.cluster.local', 'istio-pilot.istio-system.svc'];

export interface CaServerOptions extends CertificateServiceOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Port; default 15012, 0 picks a free one. */
  port?: number;
}

export interface CaServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the CA's gRPC server over TLS and resolves once it listens. */
export async function startCaServer(opts: CaServerOptions): Promise<CaServer> {
  const serving = await opts.ca.issueServing(ISTIOD_DNS_NAMES);
  const creds = ServerCredentials.createSsl(null, [{
    cert_chain: Buffer.from(serving.certChainPem), private_key: Buffer.from(serving.keyPem),
  }], false);
  const server = new Server();
  const { definition, impl } = certificateService(opts);
  server.addService(definition, impl);
  const host = opts.host ?? '127.0.0.1';
  const address = `${host.includes(':') ? `[${host}]` : host}:${opts.port ?? 15012}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, creds, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.forceShutdown(), 1000);
      server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    }),
  };
}
