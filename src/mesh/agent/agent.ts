// The pod agent beside a mesh proxy (istio-agent's certificate job): reads the pod's token and the mesh
// root, keeps the workload certificate fresh from the CA and serves it over SDS on the pod's socket.
import { readFileSync } from 'node:fs';
import { requestWorkloadCertificate } from './ca-client.js';
import { SecretCache } from './secret-cache.js';
import { startAgentSds } from './sds-server.js';

/** The agent's settings (a JSON file the runtime writes beside the bootstrap). */
export interface AgentConfig {
  /** host:port of the CA (istiod's 15012). */
  caAddress: string;
  /** The mesh root the CA's serving certificate is checked against. */
  rootCertFile: string;
  /** The pod's token (Istio: the projected service account token). */
  tokenFile: string;
  /** The SPIFFE id the pod asks for. */
  identity: string;
  /** The Unix socket SDS is served on (the bootstrap's sds-grpc cluster). */
  sdsSocket: string;
  /** Certificate lifetime asked for; default 24 h. */
  ttlS?: number;
}

export interface RunningAgent {
  close(): Promise<void>;
}

/** Starts SDS on the socket and fetches the first certificate in the background (the proxy waits for it). */
export async function startAgent(cfg: AgentConfig, log: (level: 'info' | 'warn', msg: string) => void): Promise<RunningAgent> {
  const rootPem = readFileSync(cfg.rootCertFile, 'utf8');
  const sds = await startAgentSds(cfg.sdsSocket);
  const cache = new SecretCache({
    ...(cfg.ttlS !== undefined ? { ttlS: cfg.ttlS } : {}),
    // The token is read at each request: the runtime may rotate it.
    fetch: (ttl) => requestWorkloadCertificate({ address: cfg.caAddress, rootPem, token: readFileSync(cfg.tokenFile, 'utf8').trim() }, cfg.identity, ttl),
    onUpdate: (s) => sds.update(s),
    log,
  });
  void cache.start().catch(() => undefined);
  return {
    async close() {
      cache.close();
      await sds.close();
    },
  };
}
