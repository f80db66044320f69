// Istio's standard metric labels in the order the proxy emits them, from the reporter, the two
// peers, the destination service and the exchange's outcome (`unknown` where nothing is known).
import type { Tag } from '../stats/tag-extractor.js';
import type { ClusterManager } from '../upstream/types.js';
import type { PeerInfo } from './peer-info.js';

/** The destination service from the cluster's istio metadata (or the Host header). */
export interface DestinationService {
  readonly host: string;
  readonly name: string;
  readonly namespace: string;
}

/** Who reports: a client sidecar or gateway, a server sidecar, or a SERVER_GATEWAY (ambient waypoint). */
export type Reporter = 'source' | 'destination' | 'waypoint';

/** The reporter as istio.stats picks it: SERVER_GATEWAY, else by the listener's direction. */
export function reporterOf(inboundListener: boolean, serverGateway: boolean): Reporter {
  if (serverGateway) return 'waypoint';
  return inboundListener ? 'destination' : 'source';
}

/** Everything the standard labels are computed from. */
export interface LabelInput {
  readonly reporter: Reporter;
  readonly source: PeerInfo | undefined;
  readonly destination: PeerInfo | undefined;
  readonly sourcePrincipal: string;
  readonly destinationPrincipal: string;
  readonly service: DestinationService | undefined;
  readonly protocol: 'http' | 'grpc' | 'tcp';
  /** HTTP only: the status ('0' with no response) and the grpc-status ('' for plain HTTP). */
  readonly responseCode?: string;
  readonly grpcStatus?: string;
  readonly responseFlags: string;
  readonly securityPolicy: 'mutual_tls' | 'none' | 'unknown';
}

const U = 'unknown';

/** The standard labels, in order; TCP metrics leave out response_code and grpc_response_status. */
export function standardLabels(i: LabelInput): Tag[] {
  const s = i.source;
  const d = i.destination;
  const tags: Tag[] = [
    { name: 'reporter', value: i.reporter },
    { name: 'source_workload', value: s?.workload ?? U },
    { name: 'source_canonical_service', value: s?.canonicalService ?? U },
    { name: 'source_canonical_revision', value: s?.canonicalRevision ?? 'latest' },
    { name: 'source_workload_namespace', value: s?.namespace ?? U },
    { name: 'source_principal', value: i.sourcePrincipal },
    { name: 'source_app', value: s?.app ?? U },
    { name: 'source_version', value: s?.version ?? U },
    { name: 'source_cluster', value: s?.cluster ?? U },
    { name: 'destination_workload', value: d?.workload ?? U },
    { name: 'destination_workload_namespace', value: d?.namespace ?? U },
    { name: 'destination_principal', value: i.destinationPrincipal },
    { name: 'destination_app', value: d?.app ?? U },
    { name: 'destination_version', value: d?.version ?? U },
    { name: 'destination_service', value: i.service?.host ?? U },
    { name: 'destination_canonical_service', value: d?.canonicalService ?? U },
    { name: 'destination_canonical_revision', value: d?.canonicalRevision ?? 'latest' },
    { name: 'destination_service_name', value: i.service?.name ?? U },
    { name: 'destination_service_namespace', value: i.service?.namespace ?? d?.namespace ?? U },
    { name: 'destination_cluster', value: d?.cluster ?? U },
    { name: 'request_protocol', value: i.protocol },
  ];
  if (i.protocol !== 'tcp') {
    tags.push({ name: 'response_code', value: i.responseCode ?? '0' }, { name: 'grpc_response_status', value: i.grpcStatus ?? '' });
  }
  tags.push({ name: 'response_flags', value: i.responseFlags }, { name: 'connection_security_policy', value: i.securityPolicy });
  return tags;
}

/** The service a cluster's `filter_metadata.istio.services[0]` names, if any. */
export function serviceFromClusterMetadata(istio: Record<string, unknown> | undefined): DestinationService | undefined {
  const list = istio?.['services'];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const s = list[0] as Record<string, unknown>;
  if (typeof s['host'] !== 'string') return undefined;
  const host = s['host'];
  return {
    host,
    name: typeof s['name'] === 'string' ? s['name'] : host,
    namespace: typeof s['namespace'] === 'string' ? s['namespace'] : U,
  };
}

/** What Istio's filters read of a cluster's `filter_metadata.istio`: its service and whether it is outside the mesh. */
export interface ClusterIstioMetadata {
  readonly service: DestinationService | undefined;
  /** `istio.external: true`: peer metadata is not sent there. */
  readonly external: boolean;
}

/** Parsed once per cluster config (a CDS update brings a new config object). */
const byClusterConfig = new WeakMap<object, ClusterIstioMetadata>();

/** The istio metadata of cluster `name`; undefined for an unknown cluster. */
export function clusterIstioMetadata(cm: ClusterManager, name: string): ClusterIstioMetadata | undefined {
  const config = cm.get(name)?.info.config;
  if (config === undefined) return undefined;
  let m = byClusterConfig.get(config);
  if (m === undefined) {
    const istio = config.metadata?.filterMetadata['istio'];
    m = { service: serviceFromClusterMetadata(istio), external: istio?.['external'] === true };
    byClusterConfig.set(config, m);
  }
  return m;
}
