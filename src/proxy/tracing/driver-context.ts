// What a tracer driver is built with: the proxy's clusters (to reach the collector), its stats
// and its node (Envoy's LocalInfo: the cluster is the service name spans carry).
import type { Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { StatsStore } from '../stats/store.js';
import type { ClusterManager } from '../upstream/types.js';

/** Inputs shared by every driver. */
export interface DriverContext {
  readonly clusterManager: ClusterManager;
  readonly stats: StatsStore;
  readonly localNode: Node | undefined;
}
