// The `istio` filter metadata istiod puts on clusters: services (telemetry), config (the
// DestinationRule that shaped it), subset, external, alpn_override for TLS origination.
import { create } from '@bufbuild/protobuf';
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { MetadataSchema } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { ConfigObject } from '../../config/object.js';
import { splitApiVersion } from '../../config/object.js';
import type { Service } from '../../registry/model.js';
import type { ClusterDraft } from './draft.js';

function istioMeta(d: ClusterDraft): JsonObject {
  d.cluster.metadata ??= create(MetadataSchema);
  d.cluster.metadata.filterMetadata.istio ??= {};
  return d.cluster.metadata.filterMetadata.istio;
}

export const serviceMetadata = (s: Service): JsonValue => ({ host: s.hostname, name: s.name, namespace: s.namespace });

export function setServices(d: ClusterDraft, services: readonly Service[]): void {
  istioMeta(d).services = services.map(serviceMetadata);
}

export function setIstioField(d: ClusterDraft, key: string, value: JsonValue): void {
  istioMeta(d)[key] = value;
}

/** `/apis/<group>/<version>/namespaces/<ns>/destination-rule/<name>` (istiod's AddConfigInfoMetadata). */
export function configPath(o: ConfigObject): string {
  const { group, version } = splitApiVersion(o.apiVersion);
  const kebab = o.kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return `/apis/${group}/${version}/namespaces/${o.metadata.namespace ?? ''}/${kebab}/${o.metadata.name}`;
}

/** Subset is only recorded when the istio metadata already exists (as Istio). */
export function setSubset(d: ClusterDraft, subset: string): void {
  const istio = d.cluster.metadata?.filterMetadata.istio;
  if (istio !== undefined) istio.subset = subset;
}
