// CDS for one proxy (istiod's BuildClusters): sidecars get outbound, BlackHole, Passthrough, inbound and
// InboundPassthrough clusters; gateways outbound and BlackHole. Duplicate names keep the first.
import type { Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClustersView, ListenersView } from '../../model/proxy-views.js';
import type { PushContext } from '../../model/push-context.js';
import { blackHoleCluster, inboundPassthroughCluster, passthroughCluster } from './fixed.js';
import { buildInboundClusters } from './inbound.js';
import { buildOutboundClusters, type ClusterBuildOptions } from './outbound.js';

export function buildOutboundClustersFor(push: PushContext, proxy: ClustersView, opts: ClusterBuildOptions = {}): Cluster[] {
  return push.servicesFor(proxy).flatMap((svc) => svc.ports
    .filter((p) => p.protocol !== 'UDP')
    .flatMap((p) => buildOutboundClusters(push, proxy, svc, p, opts)));
}

export function buildClusters(push: PushContext, proxy: ClustersView & ListenersView, opts: ClusterBuildOptions = {}): Cluster[] {
  const all = [...buildOutboundClustersFor(push, proxy, opts), blackHoleCluster(push.mesh)];
  if (proxy.type === 'sidecar') {
    all.push(passthroughCluster(push.mesh), ...buildInboundClusters(push, proxy), inboundPassthroughCluster(push.mesh));
  }
  const seen = new Set<string>();
  return all.filter((c) => !seen.has(c.name) && seen.add(c.name) !== undefined);
}
