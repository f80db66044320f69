// The translators istiod's generators correspond to: LDS (translate/listener), RDS
// (translate/route), CDS (translate/cluster) and EDS (translate/endpoint).
import { buildInboundClusters, buildOutboundClustersFor } from '../translate/cluster/index.js';
import { buildEndpoints } from '../translate/endpoint/index.js';
import { buildListeners } from '../translate/listener/index.js';
import { buildRouteConfigurations } from '../translate/route/index.js';
import type { Translators } from './translators.js';

export const defaultTranslators: Translators = {
  listeners: (push, proxy) => buildListeners(push, proxy),
  routes: (push, proxy) => buildRouteConfigurations(push, proxy),
  outboundClusters: (push, proxy) => buildOutboundClustersFor(push, proxy),
  inboundClusters: (push, proxy) => buildInboundClusters(push, proxy),
  endpoints: (push, proxy, name) => buildEndpoints(push, proxy, name),
};
