// The agent's SDS server (istio-agent's workload-spiffe-uds socket): Envoy's SecretDiscoveryService
// over a Unix socket in the pod's directory, serving `default` and `ROOTCA` and pushing each rotation.
import { rmSync } from 'node:fs';
import { createSnapshot, startXdsServer, type XdsServer } from '../../xds/server/index.js';
import { SECRET_TYPE } from '../../xds/server/type-urls.js';
import type { WorkloadSecret } from './ca-client.js';
import { sdsSecrets } from './secret-cache.js';

/** Every proxy that connects to the pod's socket is the pod's own: one snapshot for all. */
const POD_KEY = 'pod';

export interface AgentSdsServer {
  /** Publishes a new workload secret to every connected proxy. */
  update(secret: WorkloadSecret): void;
  close(): Promise<void>;
}

/** Serves SDS on the Unix socket `socketPath` (removed first if a dead agent left it). */
export async function startAgentSds(socketPath: string): Promise<AgentSdsServer> {
  rmSync(socketPath, { force: true });
  const server: XdsServer = await startXdsServer({ address: `unix:${socketPath}`, nodeKey: () => POD_KEY });
  let version = 0;
  return {
    update(secret) {
      version++;
      server.cache.setSnapshot(POD_KEY, createSnapshot({ [SECRET_TYPE]: { version: String(version), resources: sdsSecrets(secret) } }));
    },
    close: () => server.close(),
  };
}
