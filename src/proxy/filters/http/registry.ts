// The HTTP filters Strait implements, by name and by typed_config type URL.
// The connection manager builds its filter factories through this table.
import type { HttpFilter } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { Router } from '../../../xds/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import type { Node, TrafficDirection } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { typedConfigType, unpackTypedConfig } from '../typed-config.js';
import type { HcmStats } from '../../http/conn-manager/stats.js';
import type { HttpFilterFactory } from './types.js';
import type { ClusterManager } from '../../upstream/types.js';
import { makeJwtAuthnFilterFactory, JWT_AUTHN_TYPE } from './jwt_authn/index.js';
import { makeIstioAuthnFilterFactory, ISTIO_AUTHN_TYPE } from '../../istio/istio-authn-filter.js';
import { RouterFilterFactory } from './router/config.js';
import type { StatsStore } from '../../stats/store.js';
import { makeFaultFilterFactory } from './fault/index.js';
import { makeLocalRateLimitFilterFactory } from './local_ratelimit/index.js';
import { makeCorsFilterFactory } from './cors/index.js';
import { makeRbacFilterFactory } from './rbac/index.js';
import { EXT_AUTHZ_TYPE, makeExtAuthzFilterFactory } from './ext_authz/ext-authz-filter.js';
import { makePeerMetadataFilterFactory } from '../../istio/peer-metadata-filter.js';
import { PEER_METADATA_TYPE } from '../../istio/peer-metadata-config.js';
import { makeIstioStatsFilterFactory } from '../../istio/istio-stats-filter.js';
import { STATS_PLUGIN_TYPE } from '../../istio/stats-config.js';

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

type Maker = (config: unknown, ctx: HttpFilterContext) => HttpFilterFactory;

const BY_TYPE: Record<string, { name: string; make: Maker }> = {
  'envoy.extensions.filters.http.router.v3.Router': {
    name: 'envoy.filters.http.router',
    make: (c, ctx) => new RouterFilterFactory(c as Router | undefined, ctx.hcmStats),
  },
  'envoy.extensions.filters.http.fault.v3.HTTPFault': { name: 'envoy.filters.http.fault', make: makeFaultFilterFactory },
  'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit': {
    name: 'envoy.filters.http.local_ratelimit', make: makeLocalRateLimitFilterFactory,
  },
  'envoy.extensions.filters.http.cors.v3.Cors': { name: 'envoy.filters.http.cors', make: makeCorsFilterFactory },
  [JWT_AUTHN_TYPE]: { name: 'envoy.filters.http.jwt_authn', make: makeJwtAuthnFilterFactory },
  'envoy.extensions.filters.http.rbac.v3.RBAC': { name: 'envoy.filters.http.rbac', make: makeRbacFilterFactory },
  [EXT_AUTHZ_TYPE]: { name: 'envoy.filters.http.ext_authz', make: makeExtAuthzFilterFactory },
  // Istio's own filters: their configs have no proto here, they come as TypedStruct JSON.
  [PEER_METADATA_TYPE]: { name: 'envoy.filters.http.peer_metadata', make: makePeerMetadataFilterFactory },
  [STATS_PLUGIN_TYPE]: { name: 'istio.stats', make: makeIstioStatsFilterFactory },
  [ISTIO_AUTHN_TYPE]: { name: 'istio_authn', make: makeIstioAuthnFilterFactory },
};

const BY_NAME: Record<string, string> = Object.fromEntries(
  Object.entries(BY_TYPE).map(([type, v]) => [v.name, type]));

/** The message type an http_filters entry resolves to, or an Envoy-style error. */
export function resolveHttpFilterType(f: HttpFilter): { type: string } | { error: string } {
  let type: string | undefined;
  try {
    type = f.configType.case === 'typedConfig' && f.configType.value.typeUrl !== ''
      ? typedConfigType(f.configType.value) : BY_NAME[f.name];
  } catch (e) {
    return { error: `Unable to unpack as TypedStruct: ${(e as Error).message}` };
  }
  if (type === undefined || !(type in BY_TYPE)) {
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
  return BY_TYPE[r.type].make(config, ctx);
}
