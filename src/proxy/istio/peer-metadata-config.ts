// The io.istio.http.peer_metadata.Config JSON (a TypedStruct value): which directions discover
// the peer from, and propagate this proxy's identity in, Istio's x-envoy-peer-metadata headers.
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { listenerFail } from '../listener/errors.js';

export const PEER_METADATA_TYPE = 'io.istio.http.peer_metadata.Config';

/** Which of the four lists hold an `istio_headers` entry (other methods, baggage and WDS, are not built). */
export interface PeerMetadataConfig {
  readonly downstreamDiscovery: boolean;
  readonly upstreamDiscovery: boolean;
  readonly downstreamPropagation: boolean;
  readonly upstreamPropagation: boolean;
}

const LISTS = {
  downstreamDiscovery: 'downstream_discovery', upstreamDiscovery: 'upstream_discovery',
  downstreamPropagation: 'downstream_propagation', upstreamPropagation: 'upstream_propagation',
} as const;

function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function hasIstioHeaders(list: JsonValue | undefined, at: string): boolean {
  if (list === undefined || list === null) return false;
  if (!Array.isArray(list)) listenerFail(at, 'expected a list');
  return list.some((e) => e !== null && typeof e === 'object' && !Array.isArray(e)
    && ('istio_headers' in e || 'istioHeaders' in e));
}

/** Reads the config; `fieldPath` names it in errors. */
export function parsePeerMetadataConfig(json: JsonObject, fieldPath: string): PeerMetadataConfig {
  const out: Record<string, boolean> = {};
  for (const [key, field] of Object.entries(LISTS)) {
    out[key] = hasIstioHeaders(json[field] ?? json[camel(field)], `${fieldPath}.${field}`);
  }
  return out as unknown as PeerMetadataConfig;
}
