// CDS for one proxy, as istiod's BuildClusters: sidecars get outbound clusters for every visible
// service port (and subsets), BlackHole, Passthrough, inbound clusters and InboundPassthrough;
// gateways get outbound clusters and BlackHole. Duplicate names keep the first cluster.
import type { Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ProxyNode } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import { blackHoleCluster, inboundPassthroughCluster, passthroughCluster } from './fixed.js';
import { buildInboundClusters } from './inbound.js';
import { buildOutboundClusters, type ClusterBuildOptions } from './outbound.js';

export function buildOutboundClustersFor(push: PushContext, proxy: ProxyNode, opts: ClusterBuildOptions = {}): Cluster[] {
  return push.servicesFor(proxy).flatMap((svc) => svc.ports
    .filter((p) => p.protocol !== 'UDP')
    .flatMap((p) => buildOutboundClusters(push, proxy, svc, p, opts)));
}

export function buildClusters(push: PushContext, proxy: ProxyNode, opts: ClusterBuildOptions = {}): Cluster[] {
  const all = [...buildOutboundClustersFor(push, proxy, opts), blackHoleCluster(push.mesh)];
  if (proxy.type === 'sidecar') {
    all.push(passthroughCluster(push.mesh), ...buildInboundClusters(push, proxy), inboundPassthroughCluster(push.mesh));
  }
  const seen = new Set<string>();
  return all.filter((c) => !seen.has(c.name) && seen.add(c.name) !== undefined);
}
