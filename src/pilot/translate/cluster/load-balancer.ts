// DestinationRule loadBalancer -> lb_policy/lb_config as istiod's applyLoadBalancer (LEAST_REQUEST default,
// PASSTHROUGH -> ORIGINAL_DST, RING_HASH/MAGLEV), plus locality settings on the cluster and its load_assignment.
import { create } from '@bufbuild/protobuf';
import {
  Cluster_CommonLbConfig_LocalityWeightedLbConfigSchema, Cluster_DiscoveryType, Cluster_LbPolicy, Cluster_LeastRequestLbConfigSchema,
  Cluster_MaglevLbConfigSchema, Cluster_RingHashLbConfigSchema, Cluster_RoundRobinLbConfigSchema, Cluster_SlowStartConfigSchema,
} from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { PercentSchema } from '../../../xds/gen/envoy/type/v3/percent_pb.js';
import type { LoadBalancerSettings } from '../../config/kinds/destination-rule.js';
import type { Locality } from '../../registry/model.js';
import { applyLocalityLoadBalancer, localityLbSettingFor } from '../endpoint/locality.js';
import { duration } from '../route/durations.js';
import type { ClusterDraft } from './draft.js';

export const clusterType = (d: ClusterDraft): Cluster_DiscoveryType | undefined =>
  d.cluster.clusterDiscoveryType.case === 'type' ? d.cluster.clusterDiscoveryType.value : undefined;

function slowStart(d: ClusterDraft, lb: LoadBalancerSettings | undefined, policy: Cluster_LbPolicy): void {
  d.cluster.lbPolicy = policy;
  if (lb?.warmupDurationSecs === undefined) return;
  const slowStartConfig = create(Cluster_SlowStartConfigSchema, { slowStartWindow: duration(lb.warmupDurationSecs) });
  d.cluster.lbConfig = policy === Cluster_LbPolicy.ROUND_ROBIN
    ? { case: 'roundRobinLbConfig', value: create(Cluster_RoundRobinLbConfigSchema, { slowStartConfig }) }
    : { case: 'leastRequestLbConfig', value: create(Cluster_LeastRequestLbConfigSchema, { slowStartConfig }) };
}

function applyConsistentHash(d: ClusterDraft, lb: LoadBalancerSettings | undefined): void {
  const ch = lb?.consistentHash;
  if (ch === undefined) return;
  if (ch.maglev !== undefined) {
    d.cluster.lbPolicy = Cluster_LbPolicy.MAGLEV;
    if ((ch.maglev.tableSize ?? 0) !== 0) {
      d.cluster.lbConfig = { case: 'maglevLbConfig', value: create(Cluster_MaglevLbConfigSchema, { tableSize: BigInt(ch.maglev.tableSize ?? 0) }) };
    }
  } else if (ch.ringHash !== undefined) {
    d.cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
    if ((ch.ringHash.minimumRingSize ?? 0) !== 0) {
      d.cluster.lbConfig = { case: 'ringHashLbConfig', value: create(Cluster_RingHashLbConfigSchema, { minimumRingSize: BigInt(ch.ringHash.minimumRingSize ?? 0) }) };
    }
  } else {
    // The deprecated top-level minimumRingSize, else Envoy's 1024, always written out.
    d.cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
    d.cluster.lbConfig = { case: 'ringHashLbConfig', value: create(Cluster_RingHashLbConfigSchema, { minimumRingSize: BigInt(ch.minimumRingSize || 1024) }) };
  }
}

/** Locality config: a weighted-locality marker on the cluster, and priorities/weights on a load_assignment. */
function applyLocality(d: ClusterDraft, lb: LoadBalancerSettings | undefined, proxyLocality: Locality | undefined): void {
  const setting = localityLbSettingFor(lb?.localityLbSetting);
  const enableFailover = d.cluster.outlierDetection !== undefined;
  if ((enableFailover && (setting?.failover !== undefined || setting?.failoverPriority !== undefined)) || setting?.distribute !== undefined) {
    if (d.cluster.commonLbConfig !== undefined) {
      d.cluster.commonLbConfig.localityConfigSpecifier = {
        case: 'localityWeightedLbConfig', value: create(Cluster_CommonLbConfig_LocalityWeightedLbConfigSchema),
      };
    }
  }
  if (d.cluster.loadAssignment !== undefined) applyLocalityLoadBalancer(d.cluster.loadAssignment, proxyLocality, setting, enableFailover);
}

export function applyLoadBalancer(d: ClusterDraft, lb: LoadBalancerSettings | undefined, proxyLocality: Locality | undefined,
  sendUnhealthy = false): void {
  // Unready endpoints are sent: panic mode would route to them, so it is turned off.
  if (sendUnhealthy && d.cluster.commonLbConfig !== undefined) d.cluster.commonLbConfig.healthyPanicThreshold = create(PercentSchema, { value: 0 });
  applyLocality(d, lb, proxyLocality);
  if (clusterType(d) === Cluster_DiscoveryType.ORIGINAL_DST) {
    d.cluster.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
    return;
  }
  switch (lb?.simple) {
    case 'LEAST_CONN': case 'LEAST_REQUEST': slowStart(d, lb, Cluster_LbPolicy.LEAST_REQUEST); break;
    case 'RANDOM': d.cluster.lbPolicy = Cluster_LbPolicy.RANDOM; break;
    case 'ROUND_ROBIN': slowStart(d, lb, Cluster_LbPolicy.ROUND_ROBIN); break;
    case 'PASSTHROUGH':
      d.cluster.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
      d.cluster.clusterDiscoveryType = { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST };
      d.cluster.loadAssignment = undefined;
      break;
    default: slowStart(d, lb, Cluster_LbPolicy.LEAST_REQUEST);
  }
  applyConsistentHash(d, lb);
}
