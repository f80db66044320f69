// Which proxies and xDS types a change concerns (as istiod's ConfigAffectsProxy and PushTypeFor):
// Gateways concern gateways only, a VirtualService the roles its gateways name (old and new);
// VirtualService and Gateway changes touch listeners and routes only, security policies listeners
// only (PeerAuthentication also clusters and endpoints); anything else (services, rules, Sidecars)
// every type of every proxy.
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE } from '../../xds/server/index.js';
import type { ConfigEvent } from '../config/store.js';
import type { VirtualServiceSpec } from '../config/kinds/virtual-service.js';
import type { ConfigObject } from '../config/object.js';
import { vsGateways } from '../model/build-push-context.js';
import type { NodeType } from '../model/proxy.js';
import type { ConfigKey } from './push-request.js';

const ALL = [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE];
const BY_KIND: Record<string, readonly string[]> = {
  VirtualService: [LISTENER_TYPE, ROUTE_TYPE],
  Gateway: [LISTENER_TYPE, ROUTE_TYPE],
  Secret: [LISTENER_TYPE, SECRET_TYPE],
  AuthorizationPolicy: [LISTENER_TYPE],
  // Inbound chains, auto mTLS on clusters, and the tlsMode metadata of endpoints.
  PeerAuthentication: [LISTENER_TYPE, CLUSTER_TYPE, ENDPOINT_TYPE],
  RequestAuthentication: [LISTENER_TYPE],
  Telemetry: [LISTENER_TYPE],
};

/** The types to rebuild for a full push caused by `configs` (`Kind/ns/name`); all when unknown. */
export function pushTypesFor(configs: ReadonlySet<ConfigKey>): Set<string> {
  if (configs.size === 0) return new Set(ALL);
  const out = new Set<string>();
  for (const key of configs) {
    const types = BY_KIND[key.slice(0, key.indexOf('/'))];
    if (types === undefined) return new Set(ALL);
    for (const t of types) out.add(t);
  }
  return out;
}

/** The proxy roles a config change can affect (both when a VirtualService's gateways cannot be read). */
export function rolesAffectedBy(ev: ConfigEvent): NodeType[] {
  if (ev.object.kind === 'Gateway') return ['router'];
  if (ev.object.kind !== 'VirtualService') return ['sidecar', 'router'];
  const roles = new Set<NodeType>();
  for (const vs of [ev.object, ev.old]) {
    if (vs === undefined) continue;
    try {
      for (const g of vsGateways(vs as ConfigObject<VirtualServiceSpec>)) roles.add(g === 'mesh' ? 'sidecar' : 'router');
    } catch {
      return ['sidecar', 'router'];
    }
  }
  return [...roles];
}
