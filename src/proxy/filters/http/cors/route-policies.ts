// Finds a matched route's CORS policies: typed_per_filter_config CorsPolicy entries of every level,
// else the route table's deprecated `cors` fields, compiled once per config and merged once per route.
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import type { CorsPolicy } from '../../../../xds/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import type { CorsPolicy as RouteCorsPolicy } from '../../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { registry } from '../../../../xds/registry.js';
import { log } from '../../../log.js';
import type { RouteMatchResult } from '../../../router/types.js';
import { allPerFilterConfigs } from '../fault/per-route.js';
import { compileCorsPolicy, type CompiledCorsPolicy } from './cors-policy.js';
import { MergedCorsPolicy } from './merged-policy.js';

/** The per-route config message type. */
export const CORS_POLICY_TYPE = 'envoy.extensions.filters.http.cors.v3.CorsPolicy';

/** Compiled policies by their source (route tables are immutable); null = unusable, ignored. */
const compiled = new WeakMap<object, CompiledCorsPolicy | null>();

function compileAny(any: Any): CompiledCorsPolicy | null {
  let c = compiled.get(any);
  if (c !== undefined) return c;
  c = null;
  try {
    const msg = anyUnpack(any, registry);
    if (msg?.$typeName === CORS_POLICY_TYPE) c = compileCorsPolicy(msg as CorsPolicy, 'typed_per_filter_config');
  } catch (e) {
    log('filter', 'warning', `cors: ignoring per-route config: ${(e as Error).message}`);
  }
  compiled.set(any, c);
  return c;
}

function compileRouteField(p: RouteCorsPolicy): CompiledCorsPolicy | null {
  let c = compiled.get(p);
  if (c !== undefined) return c;
  c = null;
  try {
    c = compileCorsPolicy(p, 'cors');
  } catch (e) {
    log('filter', 'warning', `cors: ignoring route cors policy: ${(e as Error).message}`);
  }
  compiled.set(p, c);
  return c;
}

/** Resolves and caches the merged policy of each route for one filter config (its lookup names). */
export class RoutePolicies {
  /** By weighted cluster entry or route: the merged policy, or null when the route has none. */
  private readonly cache = new WeakMap<object, MergedCorsPolicy | null>();

  constructor(private readonly names: readonly string[]) {}

  /** The merged policy for a forwarding route's match; null when CORS does nothing on it. */
  of(match: RouteMatchResult): MergedCorsPolicy | null {
    const key: object = match.weightedCluster ?? match.route;
    let m = this.cache.get(key);
    if (m === undefined) {
      m = this.build(match);
      this.cache.set(key, m);
    }
    return m;
  }

  private build(match: RouteMatchResult): MergedCorsPolicy | null {
    const entries = allPerFilterConfigs(match, this.names);
    // FilterConfig.disabled on the most specific level turns the filter off for the route.
    if (entries.length !== 0 && entries[0].disabled) return null;
    const levels: CompiledCorsPolicy[] = [];
    for (const e of entries) {
      const c = e.config === null ? null : compileAny(e.config);
      if (c !== null) levels.push(c);
    }
    if (entries.length === 0) {
      // Envoy reads the route's and virtual host's `cors` fields only when no level has a per-filter policy.
      const a = match.route.action;
      const routeCors = a.kind === 'route' ? a.proto.cors : undefined;
      const vhCors = match.virtualHost.proto.cors;
      for (const p of [routeCors, vhCors]) {
        const c = p === undefined ? null : compileRouteField(p);
        if (c !== null) levels.push(c);
      }
    }
    return levels.length === 0 ? null : new MergedCorsPolicy(levels);
  }
}
