// Service instances -> Envoy LocalityLbEndpoints as istiod's endpoint builder: grouped by locality
// (sorted), per-endpoint weight (1 when unset), health, and the istio workload / tlsMode metadata
// (the tlsMode only where the DestinationRule or the workload's PeerAuthentication allows mTLS).
import { create } from '@bufbuild/protobuf';
import { AddressSchema, SocketAddressSchema } from '../../../xds/gen/envoy/config/core/v3/address_pb.js';
import { HealthStatus } from '../../../xds/gen/envoy/config/core/v3/health_check_pb.js';
import { MetadataSchema, type Metadata } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import {
  EndpointSchema, LbEndpointSchema, LocalityLbEndpointsSchema, type LocalityLbEndpoints,
} from '../../../xds/gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import type { ServiceInstance } from '../../registry/model.js';
import { envoyLocality } from './locality.js';
import { mtlsModeForPort, type PeerAuthenticationIndex } from '../../security/peer-authentication.js';

/** Filter metadata key Envoy's transport_socket_matches look at. */
export const TRANSPORT_SOCKET_MATCH_KEY = 'envoy.transport_socket_match';
/** istiod's default CLUSTER_ID, part of the workload metadata string. */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

export interface LbEndpointOptions {
  /** The TLS mode the destination's DestinationRule sets for the cluster, if any: it alone decides (ISTIO_MUTUAL or not). */
  drTlsMode: string | undefined;
  /** Without a DestinationRule TLS mode, a workload whose PeerAuthentication is DISABLE on the port gets no tlsMode metadata. */
  peerAuthentication: PeerAuthenticationIndex;
  /** Istio's SEND_UNHEALTHY_ENDPOINTS (default off: unhealthy endpoints are left out). */
  sendUnhealthy?: boolean;
  clusterId?: string;
}

export const socketAddress = (address: string, port: number) => create(AddressSchema, {
  address: { case: 'socketAddress', value: create(SocketAddressSchema, { address, portSpecifier: { case: 'portValue', value: port } }) },
});

/** kubelabels.CanonicalService: canonical name and revision of a workload. */
function canonicalService(labels: Record<string, string>, workloadName: string): { name: string; revision: string } {
  return {
    name: labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? workloadName,
    revision: labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest',
  };
}

/** istiod's mtlsChecker.checkMtlsEnabled: whether the endpoint may keep its tlsMode (auto mTLS picks TLS by it). */
function mtlsEnabled(i: ServiceInstance, opts: LbEndpointOptions): boolean {
  if (opts.drTlsMode !== undefined) return opts.drTlsMode === 'ISTIO_MUTUAL';
  const [, namespace = ''] = i.workload.split('/');
  return mtlsModeForPort(opts.peerAuthentication.forWorkload(namespace, i.labels), i.port) !== 'DISABLE';
}

/** istiod's AppendLbEndpointMetadata. */
function endpointMetadata(i: ServiceInstance, opts: LbEndpointOptions): Metadata {
  const md = create(MetadataSchema);
  if (i.tlsMode !== '' && i.tlsMode !== 'disabled' && mtlsEnabled(i, opts)) {
    md.filterMetadata[TRANSPORT_SOCKET_MATCH_KEY] = { tlsMode: i.tlsMode };
  }
  const [, ns = '', name = ''] = i.workload.split('/');
  const cs = canonicalService(i.labels, name);
  const revision = cs.revision === 'latest' ? '' : cs.revision;
  md.filterMetadata.istio = { workload: `${name};${ns};${cs.name};${revision};${opts.clusterId ?? DEFAULT_CLUSTER_ID}` };
  return md;
}

const localityKey = (i: ServiceInstance): string => `${i.locality.region}/${i.locality.zone}/${i.locality.subzone}`;

/** One locality's LocalityLbEndpoints and the instances behind its lb_endpoints (same order). */
export interface LocalityGroup { endpoints: LocalityLbEndpoints; instances: ServiceInstance[] }

/** The instances grouped by locality, sorted by locality label (istiod sorts `region/zone/subzone`). */
export function localityGroups(instances: readonly ServiceInstance[], opts: LbEndpointOptions): LocalityGroup[] {
  const groups = new Map<string, LocalityGroup>();
  for (const i of instances) {
    if (!i.healthy && opts.sendUnhealthy !== true) continue;
    const key = localityKey(i);
    let g = groups.get(key);
    if (g === undefined) {
      g = { endpoints: create(LocalityLbEndpointsSchema, { locality: envoyLocality(i.locality), loadBalancingWeight: 0 }), instances: [] };
      groups.set(key, g);
    }
    const weight = i.weight > 0 ? i.weight : 1;
    g.endpoints.lbEndpoints.push(create(LbEndpointSchema, {
      hostIdentifier: { case: 'endpoint', value: create(EndpointSchema, { address: socketAddress(i.address, i.port) }) },
      healthStatus: i.healthy ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY,
      loadBalancingWeight: weight,
      metadata: endpointMetadata(i, opts),
    }));
    g.instances.push(i);
    g.endpoints.loadBalancingWeight = (g.endpoints.loadBalancingWeight ?? 0) + weight;
  }
  return [...groups.keys()].sort().map((k) => groups.get(k) as LocalityGroup);
}

/** The instances as LocalityLbEndpoints, one entry per locality. */
export function localityLbEndpoints(instances: readonly ServiceInstance[], opts: LbEndpointOptions): LocalityLbEndpoints[] {
  return localityGroups(instances, opts).map((g) => g.endpoints);
}
