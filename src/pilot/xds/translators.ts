// The per-proxy translators a generator runs (LDS, RDS, CDS, EDS), as one interface so the
// generator is independent of how each resource type is built (and tests can swap one).
import type { Cluster } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { ProxyNode } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';
import type { Service, ServicePort } from '../registry/model.js';

/**
 * The generator calls these with what each depends on, so it can share the results: routes per
 * scope (role, namespace, labels, Sidecar), a service port's clusters per (role, service,
 * DestinationRule), listeners and inbound clusters per proxy shape, endpoints per cluster.
 */
export interface Translators {
  listeners(push: PushContext, proxy: ProxyNode): Listener[];
  routes(push: PushContext, proxy: ProxyNode): RouteConfiguration[];
  /** The outbound|<port>|<subset>|<fqdn> clusters of one service port. */
  serviceClusters(push: PushContext, proxy: ProxyNode, svc: Service, port: ServicePort): Cluster[];
  /** PassthroughCluster, BlackHoleCluster, InboundPassthroughCluster as the role has them. */
  fixedClusters(push: PushContext, proxy: ProxyNode): Cluster[];
  /** The proxy's own `inbound|<port>||` clusters. */
  inboundClusters(push: PushContext, proxy: ProxyNode): Cluster[];
  /** The ClusterLoadAssignment of an EDS cluster (by its service name), undefined when unknown. */
  endpoints(push: PushContext, proxy: ProxyNode, clusterName: string): ClusterLoadAssignment | undefined;
}
