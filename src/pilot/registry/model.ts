// The registry's model, as istiod's: services (Kubernetes or ServiceEntry, merged) and the
// workload instances (endpoints) behind each service port.
import type { Protocol } from './protocol.js';

export type Resolution = 'ClientSideLB' | 'Passthrough' | 'DNS' | 'DNSRoundRobin';
export type ServiceSource = 'kubernetes' | 'serviceentry';

export interface ServicePort {
  name: string;
  port: number;
  /** Kubernetes targetPort (number or container port name) or ServiceEntry targetPort; undefined if unset. */
  targetPort?: number | string;
  protocol: Protocol;
}

export interface Service {
  hostname: string;
  namespace: string;
  /** Name of the Service / ServiceEntry object that defines it. */
  name: string;
  ports: ServicePort[];
  /** ClusterIP(s) or ServiceEntry addresses; empty when none (Istio's 0.0.0.0). */
  addresses: string[];
  resolution: Resolution;
  meshExternal: boolean;
  /** Namespaces the service is visible to: '*' = all, '.' resolved to the service namespace, '~' = none. */
  exportTo: string[];
  labels: Record<string, string>;
  /** Pod selector (Kubernetes) or workloadSelector labels (ServiceEntry); undefined when none. */
  selector?: Record<string, string>;
  source: ServiceSource;
  /** ExternalName target (Kubernetes ExternalName services). */
  externalName?: string;
}

export interface Locality { region: string; zone: string; subzone: string }

export interface ServiceInstance {
  hostname: string;
  servicePortName: string;
  servicePort: number;
  /** Endpoint address: IP, or a DNS name for DNS resolution. */
  address: string;
  /** Target port on the workload. */
  port: number;
  labels: Record<string, string>;
  locality: Locality;
  serviceAccount: string;
  /** SPIFFE identity, empty when the workload has no service account. */
  identity: string;
  network: string;
  weight: number;
  /** security.istio.io/tlsMode: 'istio' or 'disabled'. */
  tlsMode: string;
  healthy: boolean;
  /** Workload the endpoint belongs to: `<kind>/<namespace>/<name>`. */
  workload: string;
}

export const TRUST_DOMAIN = 'cluster.local';
export const spiffeId = (ns: string, sa: string, trustDomain = TRUST_DOMAIN): string =>
  sa ? `spiffe://${trustDomain}/ns/${ns}/sa/${sa}` : '';
