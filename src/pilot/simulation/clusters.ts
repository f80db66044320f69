// Cluster lookup for a simulated call: the cluster must be in CDS, and its endpoints come from its
// inline load_assignment or the EDS ClusterLoadAssignment named by eds_cluster_config.service_name.
import type { Cluster } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Address } from '../../xds/gen/envoy/config/core/v3/address_pb.js';
import type { ProxyConfig } from './types.js';

function addressText(a: Address | undefined): string | null {
  const v = a?.address;
  switch (v?.case) {
    case 'socketAddress': {
      const p = v.value.portSpecifier;
      return `${v.value.address}:${p.case === 'portValue' ? p.value : p.case === 'namedPort' ? p.value : 0}`;
    }
    case 'pipe': return v.value.path;
    case 'envoyInternalAddress': {
      const n = v.value.addressNameSpecifier;
      return n.case === 'serverListenerName' ? `internal:${n.value}` : null;
    }
    default: return null;
  }
}

function endpointsOf(cla: ClusterLoadAssignment): string[] {
  const out: string[] = [];
  for (const locality of cla.endpoints) {
    for (const lb of locality.lbEndpoints) {
      const id = lb.hostIdentifier;
      const text = id.case === 'endpoint' ? addressText(id.value.address) : null;
      if (text !== null) out.push(text);
    }
  }
  return out;
}

/** The CDS cluster named `name`, or undefined. */
export function findCluster(config: ProxyConfig, name: string): Cluster | undefined {
  return config.clusters.find((c) => c.name === name);
}

/** The cluster's endpoints: inline load_assignment first, else EDS by service_name (default: the cluster name). */
export function clusterEndpoints(config: ProxyConfig, c: Cluster): string[] {
  if (c.loadAssignment !== undefined) return endpointsOf(c.loadAssignment);
  const isEds = c.clusterDiscoveryType.case === 'type' && c.clusterDiscoveryType.value === 3 /* EDS */;
  if (!isEds && c.edsClusterConfig === undefined) return [];
  const service = c.edsClusterConfig?.serviceName || c.name;
  const cla = config.endpoints?.find((e) => e.clusterName === service);
  return cla === undefined ? [] : endpointsOf(cla);
}
