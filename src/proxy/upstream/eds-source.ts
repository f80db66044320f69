// Where EDS clusters get their endpoints: a source (the proxy's xDS client) that clusters attach
// to by service name, and the cluster side it calls with each ClusterLoadAssignment.
import type { ClusterLoadAssignment } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { PathError } from '../bootstrap/config-error.js';

/** What an EDS source sees of a cluster. */
export interface EdsCluster {
  /** eds_cluster_config.service_name, else the cluster name. */
  readonly edsServiceName: string;
  /** CDS clusters warm until their first assignment; static ones start at once. */
  readonly addedViaApi: boolean;
  /** eds_config.initial_fetch_timeout in ms (0 waits for ever). */
  readonly initialFetchTimeoutMs: number;
  /** Applies an assignment; returns its errors (nothing applied when there are any). */
  updateLoadAssignment(cla: ClusterLoadAssignment): PathError[];
}

/** Delivers assignments to attached clusters. */
export interface EdsSource {
  /** Subscribes; resolves once the cluster is warm (first assignment, or the initial fetch timeout). */
  attach(cluster: EdsCluster): Promise<void>;
  /** Unsubscribes (cluster removed, replaced or destroyed). */
  detach(cluster: EdsCluster): void;
}
