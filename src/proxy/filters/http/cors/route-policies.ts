// Finds a matched route's CORS policies: typed_per_filter_config CorsPolicy entries of every level,
// else the route table's deprecated `cors` fields (all compiled with the route table), merged once per route.
import type { RouteMatchResult } from '../../../router/types.js';
import { allPerFilterConfigs, compiledAs } from '../per-route.js';
import type { CompiledCorsPolicy } from './cors-policy.js';
import { MergedCorsPolicy } from './merged-policy.js';

/** The per-route config message type. */
export const CORS_POLICY_TYPE = 'envoy.extensions.filters.http.cors.v3.CorsPolicy';

/** Resolves and keeps the merged policy of each route for one filter config (its lookup names). */
export class RoutePolicies {
  /**
   * By weighted cluster entry or route: the merged policy, or null when the route has none. Which
   * levels merge depends on the filter's configured name, so the merge (not the compile) is kept here.
   */
  private readonly merged = new WeakMap<object, MergedCorsPolicy | null>();

  constructor(private readonly names: readonly string[]) {}

  /** The merged policy for a forwarding route's match; null when CORS does nothing on it. */
  of(match: RouteMatchResult): MergedCorsPolicy | null {
    const key: object = match.weightedCluster ?? match.route;
    let m = this.merged.get(key);
    if (m === undefined) {
      m = this.build(match);
      this.merged.set(key, m);
    }
    return m;
  }

  private build(match: RouteMatchResult): MergedCorsPolicy | null {
    const entries = allPerFilterConfigs(match, this.names);
    // FilterConfig.disabled on the most specific level turns the filter off for the route.
    if (entries.length !== 0 && entries[0].disabled) return null;
    const levels: CompiledCorsPolicy[] = [];
    for (const e of entries) {
      const c = compiledAs<CompiledCorsPolicy>(e, CORS_POLICY_TYPE);
      if (c !== undefined) levels.push(c);
    }
    if (entries.length === 0) {
      // Envoy reads the route's and virtual host's `cors` fields only when no level has a per-filter policy.
      for (const c of [match.route.corsPolicy, match.virtualHost.corsPolicy]) if (c !== null) levels.push(c);
    }
    return levels.length === 0 ? null : new MergedCorsPolicy(levels);
  }
}
