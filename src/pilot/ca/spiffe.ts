// SPIFFE identities as Istio writes them: spiffe://<trust domain>/ns/<namespace>/sa/<service account>.
// The URI SAN of every workload certificate and the peer principal of metrics and policies.

export interface WorkloadIdentity {
  namespace: string;
  serviceAccount: string;
}

/** `spiffe://cluster.local/ns/istioinaction/sa/webapp` for trust domain cluster.local. */
export function spiffeId(id: WorkloadIdentity, trustDomain = 'cluster.local'): string {
  return `spiffe://${trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/** The parts of a SPIFFE id, or undefined when it is not Istio's ns/sa form. */
export function parseSpiffeId(uri: string): (WorkloadIdentity & { trustDomain: string }) | undefined {
  const m = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(uri);
  return m ? { trustDomain: m[1]!, namespace: m[2]!, serviceAccount: m[3]! } : undefined;
}
