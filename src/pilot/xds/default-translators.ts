// The translators istiod's generators correspond to: LDS (translate/listener), RDS
// (translate/route), CDS (translate/cluster) and EDS (translate/endpoint).
import {
  blackHoleCluster, buildInboundClusters, buildOutboundClusters, inboundPassthroughCluster, passthroughCluster,
} from '../translate/cluster/index.js';
import { buildEndpoints } from '../translate/endpoint/index.js';
import { outboundServiceListeners, ownListeners } from '../translate/listener/index.js';
import { buildRouteConfigurations } from '../translate/route/index.js';
import type { Translators } from './translators.js';

export const defaultTranslators: Translators = {
  listeners: (push, proxy) => ownListeners(push, proxy),
  outboundListeners: (push, proxy) => (proxy.type === 'sidecar' ? outboundServiceListeners(push, proxy) : []),
  routes: (push, proxy) => buildRouteConfigurations(push, proxy),
  serviceClusters: (push, proxy, svc, port) => (port.protocol === 'UDP' ? [] : buildOutboundClusters(push, proxy, svc, port)),
  fixedClusters: (push, proxy) => (proxy.type === 'sidecar'
    ? [blackHoleCluster(push.mesh), passthroughCluster(push.mesh), inboundPassthroughCluster(push.mesh)]
    : [blackHoleCluster(push.mesh)]),
  inboundClusters: (push, proxy) => buildInboundClusters(push, proxy),
  endpoints: (push, proxy, name) => buildEndpoints(push, proxy, name),
};
