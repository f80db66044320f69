// Which xDS types a full push must regenerate, from the kinds of the configs that changed (as
// istiod's PushTypeFor): VirtualService and Gateway changes touch listeners and routes only,
// security policies listeners only; anything else (services, rules, Sidecars) every type.
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE } from '../../xds/server/index.js';
import type { ConfigKey } from './push-request.js';

const ALL = [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE];
const BY_KIND: Record<string, readonly string[]> = {
  VirtualService: [LISTENER_TYPE, ROUTE_TYPE],
  Gateway: [LISTENER_TYPE, ROUTE_TYPE],
  Secret: [LISTENER_TYPE, SECRET_TYPE],
  AuthorizationPolicy: [LISTENER_TYPE],
  PeerAuthentication: [LISTENER_TYPE, CLUSTER_TYPE],
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
