// The type URLs of the xDS resource types Strait serves, as Envoy and gRPC spell them.
// Also which types take the legacy "empty list means wildcard" subscription (LDS and CDS).

/** type.googleapis.com/envoy.config.listener.v3.Listener (LDS). */
export const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
/** type.googleapis.com/envoy.config.route.v3.RouteConfiguration (RDS). */
export const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
/** type.googleapis.com/envoy.config.cluster.v3.Cluster (CDS). */
export const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
/** type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment (EDS). */
export const ENDPOINT_TYPE = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
/** type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret (SDS). */
export const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/** type.googleapis.com/envoy.config.route.v3.VirtualHost (VHDS: a route configuration's virtual hosts, delta xDS only). */
export const VIRTUAL_HOST_TYPE = 'type.googleapis.com/envoy.config.route.v3.VirtualHost';

/**
 * The node client feature by which a delta xDS client says it takes RDS over VHDS (Strait's own
 * name: Envoy defines none, and istiod never sends VHDS).
 */
export const VHDS_CLIENT_FEATURE = 'strait.config.vhds';

/** The five core types, in Envoy's make-before-break push order (CDS, EDS, LDS, RDS, SDS last). */
export const CORE_TYPES: readonly string[] = [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE];

/** The type URL of a protobuf message type name (`envoy.config.cluster.v3.Cluster`). */
export function typeUrlOf(typeName: string): string {
  return `type.googleapis.com/${typeName}`;
}

const LEGACY_WILDCARD = new Set([LISTENER_TYPE, CLUSTER_TYPE]);

/**
 * Whether a first request with no names subscribes to everything. The xDS spec gives Listener and
 * Cluster a wildcard; RDS/EDS/SDS always name what they want.
 */
export function takesLegacyWildcard(typeUrl: string): boolean {
  return LEGACY_WILDCARD.has(typeUrl);
}

/**
 * VHDS resources are named `<route configuration name>/<host entry>`, and a client subscribes to a
 * route configuration's name to get all of them (Envoy's namespace matching). A host entry has no
 * slash, so the namespace is everything before the last one.
 */
export function vhdsNamespace(resourceName: string): string {
  const slash = resourceName.lastIndexOf('/');
  return slash < 0 ? '' : resourceName.slice(0, slash);
}

/** Whether a subscription to a type takes names as namespaces too (VHDS's route configuration names). */
export function isNamespacedType(typeUrl: string): boolean {
  return typeUrl === VIRTUAL_HOST_TYPE;
}

/** A delta subscription's names, as both ends of a stream keep them. */
export interface DeltaNamesState {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
  /** Whether a name also covers its namespace's resources (isNamespacedType). */
  readonly namespaced: boolean;
}

/** Whether a subscription covers a resource: wildcard, its own name, or (namespaced) its namespace's. */
export function subscriptionCovers(sub: DeltaNamesState, name: string): boolean {
  return sub.wildcard || sub.names.has(name) || (sub.namespaced && sub.names.has(vhdsNamespace(name)));
}

/** Items grouped by the VHDS namespace of their resource name, in order. */
export function groupByNamespace<T>(items: Iterable<T>, nameOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const ns = vhdsNamespace(nameOf(item));
    const list = groups.get(ns);
    if (list === undefined) groups.set(ns, [item]);
    else list.push(item);
  }
  return groups;
}

/** Short names for logs and status (`LDS`, `CDS` ...); other types keep their URL. */
export function shortTypeName(typeUrl: string): string {
  switch (typeUrl) {
    case LISTENER_TYPE: return 'LDS';
    case ROUTE_TYPE: return 'RDS';
    case CLUSTER_TYPE: return 'CDS';
    case ENDPOINT_TYPE: return 'EDS';
    case SECRET_TYPE: return 'SDS';
    case VIRTUAL_HOST_TYPE: return 'VHDS';
    default: return typeUrl;
  }
}
