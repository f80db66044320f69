// A connected proxy as the translators see it (istiod's model.Proxy): its role, identity, workload
// labels and, for the local mesh, the addresses its listeners bind and its app listens on.
import type { Locality } from '../registry/model.js';

/** istiod's node types: `sidecar` for workload proxies, `router` for gateways. */
export type NodeType = 'sidecar' | 'router';

export interface ProxyNode {
  /** The xDS node id, `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local`. */
  id: string;
  type: NodeType;
  /** The workload's IP addresses; the first is the primary one. */
  ipAddresses: string[];
  namespace: string;
  /** Pod (or gateway deployment instance) name. */
  workloadName: string;
  /** The workload's labels (Gateway selectors, Sidecar workloadSelector, sourceLabels match). */
  labels: Record<string, string>;
  serviceAccount: string;
  /**
   * Address the proxy's own listeners bind: '0.0.0.0' on Kubernetes; locally the pod's loopback
   * address, so several proxies use Istio's ports side by side.
   */
  bindAddress: string;
  /** Address the app listens on, target of the inbound clusters (Istio: the pod IP / 127.0.0.1). */
  appAddress: string;
  /** Port of the explicit HTTP proxy listener (route `http_proxy`), 0 when none. */
  httpProxyPort: number;
  /** The node's locality (Envoy node.locality); locality load balancing ranks endpoints by it. */
  locality?: Locality;
  /** Remaining node metadata (ISTIO_VERSION, CLUSTER_ID ...). */
  metadata: Record<string, string>;
  /** Routes go over VHDS: the proxy declared VHDS_CLIENT_FEATURE on a delta xDS stream. */
  vhds?: boolean;
}

/** istiod's node id for a proxy. */
export function proxyNodeId(type: NodeType, ip: string, name: string, namespace: string): string {
  return `${type}~${ip}~${name}.${namespace}~${namespace}.svc.cluster.local`;
}

/** Parses `<type>~<ip>~<pod>.<ns>~<domain>`; undefined when the id is not in istiod's form. */
export function parseProxyNodeId(id: string): { type: NodeType; ip: string; name: string; namespace: string } | undefined {
  const parts = id.split('~');
  if (parts.length !== 4 || (parts[0] !== 'sidecar' && parts[0] !== 'router')) return undefined;
  const dot = parts[2].lastIndexOf('.');
  if (dot <= 0) return undefined;
  return { type: parts[0], ip: parts[1], name: parts[2].slice(0, dot), namespace: parts[2].slice(dot + 1) };
}
