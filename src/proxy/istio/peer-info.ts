// A workload's identity as the stats filter reads it: from a peer's exchanged metadata or the
// proxy's own node, with Istio's defaults (`unknown`, canonical revision `latest`).
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';

/** One side of a request, as stats labels name it. */
export interface PeerInfo {
  readonly id: string;
  readonly workload: string;
  readonly namespace: string;
  readonly cluster: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  /** The Struct the peer sent (or the node metadata), for `*_peer.KEY` expressions. */
  readonly metadata: JsonObject;
}

/** filter_state keys under which peer_metadata leaves the peers it discovered. */
export const DOWNSTREAM_PEER = 'wasm.downstream_peer';
export const UPSTREAM_PEER = 'wasm.upstream_peer';

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The identity in a metadata Struct. */
export function peerFromMetadata(id: string, md: JsonObject): PeerInfo {
  const l = md['LABELS'];
  const labels: JsonObject = l !== null && typeof l === 'object' && !Array.isArray(l) ? l : {};
  const workload = str(md['WORKLOAD_NAME']) ?? 'unknown';
  return {
    id,
    workload,
    namespace: str(md['NAMESPACE']) ?? 'unknown',
    cluster: str(md['CLUSTER_ID']) ?? 'unknown',
    app: str(labels['app']) ?? 'unknown',
    version: str(labels['version']) ?? 'unknown',
    // The injector's defaults when the label is missing.
    canonicalService: str(labels['service.istio.io/canonical-name']) ?? str(labels['app.kubernetes.io/name'])
      ?? str(labels['app']) ?? workload,
    canonicalRevision: str(labels['service.istio.io/canonical-revision']) ?? str(labels['app.kubernetes.io/version'])
      ?? str(labels['version']) ?? 'latest',
    metadata: md,
  };
}

/** Aliases of `*_peer.KEY` fields (Istio's peer attributes) to metadata keys. */
const PEER_FIELDS: Record<string, (p: PeerInfo) => string> = {
  workload: (p) => p.workload, namespace: (p) => p.namespace, cluster: (p) => p.cluster,
  app: (p) => p.app, version: (p) => p.version, service: (p) => p.canonicalService,
  revision: (p) => p.canonicalRevision, id: (p) => p.id,
};

/** A peer attribute: an alias above, else the metadata key in upper case (`istio_version` -> ISTIO_VERSION). */
export function peerField(p: PeerInfo, key: string): string | undefined {
  const alias = PEER_FIELDS[key];
  if (alias !== undefined) return alias(p);
  return str(p.metadata[key]) ?? str(p.metadata[key.toUpperCase()]);
}
