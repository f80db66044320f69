// istiod's applyTrafficPolicy: connection pool for all clusters; outbound ones also get the HTTP/2 upgrade,
// outlier detection, load balancer and TLS, in that order (failover needs outlier; ALPN depends on h2).
import { Cluster_DiscoveryType, Cluster_LbPolicy } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ConnectionPoolSettings } from '../../config/kinds/destination-rule.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { Locality } from '../../registry/model.js';
import type { ServicePort } from '../../registry/model.js';
import { applyConnectionPool } from './connection-pool.js';
import { setH2, type ClusterDraft } from './draft.js';
import { applyLoadBalancer, clusterType } from './load-balancer.js';
import { applyOutlierDetection } from './outlier.js';
import type { ResolvedPolicy } from './policy-merge.js';
import { isHttpPort } from './protocols.js';
import { applyUpstreamTls, type TlsInputs } from './tls.js';

/** istiod's shouldH2Upgrade (the mesh h2UpgradePolicy is DO_NOT_UPGRADE by default). */
function shouldH2Upgrade(port: ServicePort, pool: ConnectionPoolSettings | undefined, meshUpgrade: boolean): boolean {
  const override = pool?.http?.h2UpgradePolicy;
  if (override === 'UPGRADE') return true;
  if (override === 'DO_NOT_UPGRADE') return false;
  if (!isHttpPort(port.protocol)) return false;
  return meshUpgrade;
}

export interface PolicyContext {
  mesh: MeshConfig;
  port: ServicePort;
  inbound: boolean;
  proxyLocality?: Locality;
  tls: TlsInputs;
  /** SEND_UNHEALTHY_ENDPOINTS: panic mode is then always off (healthy_panic_threshold 0). */
  sendUnhealthy?: boolean;
}

export function applyTrafficPolicy(d: ClusterDraft, policy: ResolvedPolicy | undefined, ctx: PolicyContext): void {
  applyConnectionPool(d, ctx.mesh, policy?.connectionPool ?? {});
  if (!ctx.inbound) {
    if (shouldH2Upgrade(ctx.port, policy?.connectionPool, false)) setH2(d);
    applyOutlierDetection(d, policy?.outlierDetection, ctx.sendUnhealthy === true);
    applyLoadBalancer(d, policy?.loadBalancer, ctx.proxyLocality, ctx.sendUnhealthy === true);
    applyUpstreamTls(d, policy?.tls, ctx.tls);
  }
  if (clusterType(d) === Cluster_DiscoveryType.ORIGINAL_DST) d.cluster.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
}
