// The cluster (CDS) translator's public surface: buildClusters, hashPolicyFor, cluster names,
// the fixed clusters and the DestinationRule policy merge.
export { buildClusters, buildOutboundClustersFor } from './clusters.js';
export { buildOutboundClusters, discoveryTypeFor, type ClusterBuildOptions } from './outbound.js';
export { buildInboundClusters } from './inbound.js';
export { blackHoleCluster, passthroughCluster, inboundPassthroughCluster } from './fixed.js';
export { hashPolicyFor, consistentHashPolicy } from './hash-policy.js';
export { policyFor, portLevelPolicy, type ResolvedPolicy } from './policy-merge.js';
export { type IstioMutualCerts } from './tls.js';
export * from './names.js';
