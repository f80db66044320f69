// Outbound clusters of one service port as istiod's buildOutboundClusters/applyDestinationRule:
// `outbound|<port>||<host>` plus one `outbound|<port>|<subset>|<host>` per DestinationRule subset;
// a DestinationRule that cannot be applied is left out (recorded), the service keeps its clusters.
import { ClusterSchema, Cluster_DiscoveryType, type Cluster } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { DestinationRuleSpec } from '../../config/kinds/destination-rule.js';
import type { ConfigObject } from '../../config/object.js';
import type { ClustersView } from '../../model/proxy-views.js';
import type { PushContext } from '../../model/push-context.js';
import type { Service, ServicePort } from '../../registry/model.js';
import { localityLbEndpoints } from '../endpoint/lb-endpoints.js';
import { encodes, isolated } from '../isolate.js';
import { baseCluster, maybeApplyEdsConfig } from './base.js';
import { finish } from './draft.js';
import { clusterType } from './load-balancer.js';
import { configPath, setIstioField, setSubset } from './metadata.js';
import { buildClusterName, istioMtlsSni } from './names.js';
import { policyFor, type ResolvedPolicy } from './policy-merge.js';
import { applyTrafficPolicy } from './traffic-policy.js';
import type { IstioMutualCerts } from './tls.js';
import type { MtlsMode } from '../../security/peer-authentication.js';
import { clusterMetadataExchangeFilter } from '../listener/telemetry.js';

export interface ClusterBuildOptions {
  /** Workload cert files for ISTIO_MUTUAL instead of SDS `default`/`ROOTCA` (our proxy has no SDS client). */
  istioMutualCerts?: IstioMutualCerts;
  /** Istio's SEND_UNHEALTHY_ENDPOINTS (off): include unhealthy endpoints as UNHEALTHY. */
  sendUnhealthyEndpoints?: boolean;
}

/** istiod's convertResolution. */
export function discoveryTypeFor(proxy: ClustersView, svc: Service): Cluster_DiscoveryType {
  switch (svc.resolution) {
    case 'DNS': return Cluster_DiscoveryType.STRICT_DNS;
    case 'DNSRoundRobin': return Cluster_DiscoveryType.LOGICAL_DNS;
    // Gateways cannot use passthrough clusters.
    case 'Passthrough': return proxy.type === 'router' ? Cluster_DiscoveryType.EDS : Cluster_DiscoveryType.ORIGINAL_DST;
    default: return Cluster_DiscoveryType.EDS;
  }
}

/** SPIFFE identities of the service's workloads, sorted (istiod's push.ServiceAccounts). */
export function serviceAccountsOf(push: PushContext, svc: Service, port: number): string[] {
  return [...new Set(push.instancesByPort(svc.hostname, port).map((i) => i.identity).filter((x) => x !== ''))].sort();
}

/**
 * istiod's BestEffortInferServiceMTLSMode, the hint auto mTLS follows: UNKNOWN for mesh-external
 * services; DISABLE for a passthrough destination (headless, or a PASSTHROUGH load balancer) with no
 * endpoints or one without a sidecar; else the namespace (or mesh) PeerAuthentication's mode; else PERMISSIVE.
 */
export function serviceMtlsMode(push: PushContext, svc: Service, port: number, policy: ResolvedPolicy | undefined): MtlsMode {
  if (svc.meshExternal) return 'UNKNOWN';
  if (svc.resolution === 'Passthrough' || policy?.loadBalancer?.simple === 'PASSTHROUGH') {
    const instances = push.instancesByPort(svc.hostname, port);
    if (instances.length === 0 || instances.some((i) => i.tlsMode === 'disabled')) return 'DISABLE';
  }
  const ns = push.peerAuthentication.namespaceMode(svc.namespace);
  return ns === 'UNKNOWN' ? 'PERMISSIVE' : ns;
}

/** The TLS mode a resolved DestinationRule policy sets (a tls block without mode is DISABLE), undefined without one. */
export const drTlsMode = (policy: ResolvedPolicy | undefined): string | undefined =>
  policy?.tls !== undefined ? policy.tls.mode ?? 'DISABLE' : undefined;

function dnsEndpoints(push: PushContext, svc: Service, port: number, type: Cluster_DiscoveryType, labels: Record<string, string> | undefined,
  policy: ResolvedPolicy | undefined, opts: ClusterBuildOptions) {
  if (type !== Cluster_DiscoveryType.STRICT_DNS && type !== Cluster_DiscoveryType.LOGICAL_DNS && type !== Cluster_DiscoveryType.STATIC) return [];
  let instances = push.instancesByPort(svc.hostname, port, labels);
  // Envoy takes exactly one endpoint for LOGICAL_DNS.
  if (type === Cluster_DiscoveryType.LOGICAL_DNS) instances = instances.slice(0, 1);
  return localityLbEndpoints(instances, {
    drTlsMode: drTlsMode(policy), peerAuthentication: push.peerAuthentication, sendUnhealthy: opts.sendUnhealthyEndpoints,
  });
}

export const checkClusters = encodes(ClusterSchema);

/** The clusters of one service port, with its DestinationRule applied when that can be done. */
export function buildOutboundClusters(push: PushContext, proxy: ClustersView, svc: Service, port: ServicePort,
  opts: ClusterBuildOptions = {}): Cluster[] {
  const drObj = push.destinationRuleFor(proxy, svc.hostname);
  const without = (): Cluster[] => outboundClusters(push, proxy, svc, port, undefined, opts);
  if (drObj === undefined) return without();
  return isolated(push, drObj, () => outboundClusters(push, proxy, svc, port, drObj, opts), without, checkClusters);
}

function outboundClusters(push: PushContext, proxy: ClustersView, svc: Service, port: ServicePort,
  drObj: ConfigObject<DestinationRuleSpec> | undefined, opts: ClusterBuildOptions): Cluster[] {
  const dr = drObj?.spec;
  const type = discoveryTypeFor(proxy, svc);
  const topPolicy = policyFor(dr, port.port);
  const serviceAccounts = serviceAccountsOf(push, svc, port.port);
  const tlsBase = {
    serviceAccounts, autoMtls: push.mesh.enableAutoMtls, meshExternal: svc.meshExternal, isRouter: proxy.type === 'router',
    drWithSelector: dr?.workloadSelector !== undefined, istioMutualCerts: opts.istioMutualCerts,
  };
  const name = buildClusterName('outbound', port.port, '', svc.hostname);
  const main = baseCluster({ name, type, endpoints: dnsEndpoints(push, svc, port.port, type, undefined, topPolicy, opts), port, proxy, services: [svc] });
  if (main === undefined) return [];
  applyTrafficPolicy(main, topPolicy, {
    mesh: push.mesh, port, inbound: false, proxyLocality: proxy.locality,
    tls: { ...tlsBase, sni: istioMtlsSni(port.port, '', svc.hostname), serviceMtlsMode: serviceMtlsMode(push, svc, port.port, topPolicy) },
    sendUnhealthy: opts.sendUnhealthyEndpoints,
  });
  maybeApplyEdsConfig(main);
  if (svc.meshExternal) setIstioField(main, 'external', true);
  if (drObj !== undefined) {
    setIstioField(main, 'config', configPath(drObj));
    if (topPolicy?.tls?.mode === 'SIMPLE' || topPolicy?.tls?.mode === 'MUTUAL') setIstioField(main, 'alpn_override', 'false');
  }
  // istiod's applyMetadataExchange: every outbound cluster, the exchange runs where mTLS negotiates its ALPN.
  main.cluster.filters = [clusterMetadataExchangeFilter()];
  const out = [finish(main)];
  for (const subset of dr?.subsets ?? []) {
    const policy = policyFor(dr, port.port, subset.name);
    const passthrough = subset.trafficPolicy?.loadBalancer?.simple === 'PASSTHROUGH';
    const subType = passthrough ? Cluster_DiscoveryType.ORIGINAL_DST : (clusterType(main) ?? type);
    const subName = buildClusterName('outbound', port.port, subset.name, svc.hostname);
    const endpoints = passthrough ? [] : dnsEndpoints(push, svc, port.port, subType, subset.labels ?? {}, policy, opts);
    const sc = baseCluster({ name: subName, type: subType, endpoints, port, proxy, services: [svc] });
    if (sc === undefined) continue;
    applyTrafficPolicy(sc, policy, {
      mesh: push.mesh, port, inbound: false, proxyLocality: proxy.locality,
      tls: { ...tlsBase, sni: istioMtlsSni(port.port, subset.name, svc.hostname), serviceMtlsMode: serviceMtlsMode(push, svc, port.port, policy) },
      sendUnhealthy: opts.sendUnhealthyEndpoints,
    });
    maybeApplyEdsConfig(sc);
    if (drObj !== undefined) setIstioField(sc, 'config', configPath(drObj));
    setSubset(sc, subset.name);
    sc.cluster.filters = [clusterMetadataExchangeFilter()];
    if (policy?.tls?.mode === 'SIMPLE' || policy?.tls?.mode === 'MUTUAL') setIstioField(sc, 'alpn_override', 'false');
    out.push(finish(sc));
  }
  return out;
}
