// The per-proxy translators a generator runs (LDS, RDS, CDS, EDS), as one interface so the
// generator is independent of how each resource type is built (and tests can swap one).
import type { Cluster } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../../xds/gen/envoy/config/route/v3/route_pb.js';
import type { ClustersView, EndpointsView, ListenersView, OutboundListenersView, ProxyScope, RoutesView } from '../model/proxy-views.js';
import type { PushContext } from '../model/push-context.js';
import type { Service, ServicePort } from '../registry/model.js';

/**
 * The generator calls each with a narrow view of the proxy (model/proxy-views.ts) and shares the
 * result among proxies whose view is the same: a translator reads nothing of a proxy its view has not.
 */
export interface Translators {
  /** The proxy's own listeners: a router's all, a sidecar's all but the per-port outbound ones. */
  listeners(push: PushContext, proxy: ListenersView): Listener[];
  /** A sidecar's per-port outbound listeners (none for a router), shared by the proxies of one scope. */
  outboundListeners(push: PushContext, proxy: OutboundListenersView): Listener[];
  routes(push: PushContext, proxy: RoutesView): RouteConfiguration[];
  /** The outbound|<port>|<subset>|<fqdn> clusters of one service port. */
  serviceClusters(push: PushContext, proxy: ClustersView, svc: Service, port: ServicePort): Cluster[];
  /** PassthroughCluster, BlackHoleCluster, InboundPassthroughCluster as the role has them. */
  fixedClusters(push: PushContext, proxy: ProxyScope): Cluster[];
  /** The proxy's own `inbound|<port>||` clusters. */
  inboundClusters(push: PushContext, proxy: ListenersView): Cluster[];
  /** The ClusterLoadAssignment of an EDS cluster (by its service name), undefined when unknown. */
  endpoints(push: PushContext, proxy: EndpointsView, clusterName: string): ClusterLoadAssignment | undefined;
}
