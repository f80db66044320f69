// Test helpers for the upstream folder: Cluster protos from Envoy-style JSON, and a cluster
// manager over them. Used only by *.test.ts files.
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { ClusterSchema, type Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { registry } from '../../xds/registry.js';
import { StatsStore } from '../stats/store.js';
import { createClusterManager, type ClusterManagerImpl, type ClusterManagerOptions } from './cluster-manager.js';

/** A Cluster proto from its proto3 JSON (as in a bootstrap file). */
export function clusterFromJson(json: JsonValue): ClusterConfig {
  return fromJson(ClusterSchema, json, { registry });
}

/** A STATIC cluster JSON with one locality of `ip:port` endpoints. */
export function staticCluster(name: string, endpoints: readonly string[], extra: Record<string, JsonValue> = {}):
  JsonValue {
  return {
    name,
    type: 'STATIC',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: endpoints.map((e) => {
        const i = e.lastIndexOf(':');
        return { endpoint: { address: { socket_address: { address: e.slice(0, i), port_value: Number(e.slice(i + 1)) } } } };
      }) }],
    },
    ...extra,
  };
}

/** A cluster manager over `clusters` with a fresh stats store. */
export async function managerFor(clusters: readonly JsonValue[], opts: ClusterManagerOptions = {}):
  Promise<{ cm: ClusterManagerImpl; stats: StatsStore }> {
  const stats = new StatsStore();
  const cm = await createClusterManager(clusters.map(clusterFromJson), stats, opts);
  return { cm, stats };
}
