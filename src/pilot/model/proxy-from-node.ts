// The ProxyNode of a connecting Envoy/Strait node: the istiod-style node id and its metadata
// (NAMESPACE, LABELS, NAME, INSTANCE_IPS, SERVICE_ACCOUNT, HTTP_PROXY_PORT, Strait's local addresses), locality and VHDS.
import type { Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { VHDS_CLIENT_FEATURE } from '../../xds/server/type-urls.js';
import { parseProxyNodeId, type ProxyNode } from './proxy.js';

/** Node metadata key of the address the local mesh binds a proxy's listeners to. */
export const BIND_ADDRESS_KEY = 'STRAIT_BIND_ADDRESS';
/** Node metadata key of the address the workload's app listens on. */
export const APP_ADDRESS_KEY = 'STRAIT_APP_ADDRESS';

/** A node that cannot be served: its id is not istiod's `<type>~<ip>~<pod>.<ns>~<domain>`. */
export class ProxyNodeError extends Error {}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** Reads a ProxyNode from an xDS node; throws ProxyNodeError for an id istiod would refuse. */
export function proxyFromNode(node: Node): ProxyNode {
  const id = parseProxyNodeId(node.id);
  if (id === undefined) throw new ProxyNodeError(`node id ${JSON.stringify(node.id)} is not of the form <sidecar|router>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local`);
  const md: Record<string, unknown> = node.metadata ?? {};
  const labelsRaw = md['LABELS'];
  const labels: Record<string, string> = {};
  if (labelsRaw !== null && typeof labelsRaw === 'object') {
    for (const [k, v] of Object.entries(labelsRaw)) { const s = str(v); if (s !== undefined) labels[k] = s; }
  }
  const ips = (str(md['INSTANCE_IPS']) ?? id.ip).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(md)) { const s = str(v); if (s !== undefined) metadata[k] = s; }
  return {
    id: node.id,
    type: id.type,
    ipAddresses: ips.length > 0 ? ips : [id.ip],
    namespace: str(md['NAMESPACE']) ?? id.namespace,
    workloadName: str(md['NAME']) ?? id.name,
    labels,
    serviceAccount: str(md['SERVICE_ACCOUNT']) ?? '',
    bindAddress: str(md[BIND_ADDRESS_KEY]) ?? '0.0.0.0',
    appAddress: str(md[APP_ADDRESS_KEY]) ?? '127.0.0.1',
    httpProxyPort: Number(str(md['HTTP_PROXY_PORT']) ?? 0) || 0,
    ...(node.locality ? { locality: { region: node.locality.region, zone: node.locality.zone, subzone: node.locality.subZone } } : {}),
    metadata,
    ...(node.clientFeatures.includes(VHDS_CLIENT_FEATURE) ? { vhds: true } : {}),
  };
}
