// The HTTP filters Strait implements, by name and by typed_config type URL (from their descriptors).
// The connection manager builds its filter factories through this registry.
import type { HttpFilter } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { Node, TrafficDirection } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { typedConfigType, unpackTypedConfig } from '../typed-config.js';
import type { HcmStats } from '../../http/conn-manager/stats.js';
import type { HttpFilterFactory } from './types.js';
import type { ClusterManager } from '../../upstream/types.js';
import type { StatsStore } from '../../stats/store.js';
import type { HttpFilterDescriptor } from './descriptor.js';
import { HTTP_FILTER_DESCRIPTORS } from './descriptors.js';

/** What a filter factory may read when it is built. */
export interface HttpFilterContext {
  readonly hcmStats: HcmStats;
  readonly statPrefix: string;
  /** The root stats store (filters with their own stat prefixes). */
  readonly stats: StatsStore;
  /** The http_filters entry's name (the key of typed_per_filter_config). */
  readonly filterName: string;
  /** Where the filter's typed_config sits, for error messages. */
  readonly fieldPath: string;
  /** The proxy's own node (id, cluster, metadata); absent in unit tests. */
  readonly localNode?: Node;
  /** The listener's traffic_direction. */
  readonly trafficDirection?: TrafficDirection;
  /** The proxy's clusters (filters that call out, e.g. jwt_authn's remote JWKS); absent in unit tests. */
  readonly clusterManager?: ClusterManager;
}

const BY_TYPE: ReadonlyMap<string, HttpFilterDescriptor> = new Map(HTTP_FILTER_DESCRIPTORS.map((d) => [d.typeName, d]));
const BY_NAME: ReadonlyMap<string, string> = new Map(HTTP_FILTER_DESCRIPTORS.map((d) => [d.name, d.typeName]));

/** The message type an http_filters entry resolves to, or an Envoy-style error. */
export function resolveHttpFilterType(f: HttpFilter): { type: string } | { error: string } {
  let type: string | undefined;
  try {
    type = f.configType.case === 'typedConfig' && f.configType.value.typeUrl !== ''
      ? typedConfigType(f.configType.value) : BY_NAME.get(f.name);
  } catch (e) {
    return { error: `Unable to unpack as TypedStruct: ${(e as Error).message}` };
  }
  if (type === undefined || !BY_TYPE.has(type)) {
    return { error: `Didn't find a registered implementation for '${f.name}' with type URL: '${type ?? ''}'` };
  }
  return { type };
}

/** Builds the factory for one http_filters entry (validated already). */
export function createHttpFilterFactory(f: HttpFilter, ctx: HttpFilterContext): HttpFilterFactory {
  const r = resolveHttpFilterType(f);
  if ('error' in r) throw new Error(r.error);
  const tc = f.configType.case === 'typedConfig' ? unpackTypedConfig(f.configType.value) : undefined;
  const config = tc?.message ?? tc?.json;
  return BY_TYPE.get(r.type)!.make(config, ctx);
}
