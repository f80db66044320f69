// typed_per_filter_config as filters read it on a matched route: the most specific level's entry, or
// every level's, already compiled with the route table (per-route-compile.ts).
import type { PerFilterConfigs, RouteFilterConfig, RouteMatchResult } from '../../router/types.js';

function find(map: PerFilterConfigs, names: readonly string[]): RouteFilterConfig | undefined {
  if (map.size === 0) return undefined;
  for (let i = 0; i < names.length; i++) {
    const c = map.get(names[i]);
    if (c !== undefined) return c;
  }
  return undefined;
}

/**
 * The most specific typed_per_filter_config entry for a filter known by `names` (its http_filters
 * name first, then its canonical extension name), or null when no level has one.
 */
export function mostSpecificPerFilterConfig(match: RouteMatchResult | null, names: readonly string[]):
  RouteFilterConfig | null {
  if (match === null) return null;
  return (match.weightedCluster !== null ? find(match.weightedCluster.perFilterConfig, names) : undefined)
    ?? find(match.route.perFilterConfig, names)
    ?? find(match.virtualHost.perFilterConfig, names)
    ?? find(match.virtualHost.routeConfigPerFilterConfig, names)
    ?? null;
}

/**
 * Every level's typed_per_filter_config entry for a filter known by `names`, most specific first
 * (Envoy's getAllPerFilterConfig, reversed); for filters that merge levels field by field.
 */
export function allPerFilterConfigs(match: RouteMatchResult, names: readonly string[]): RouteFilterConfig[] {
  const out: RouteFilterConfig[] = [];
  const levels = [match.weightedCluster?.perFilterConfig, match.route.perFilterConfig,
    match.virtualHost.perFilterConfig, match.virtualHost.routeConfigPerFilterConfig];
  for (const map of levels) {
    const c = map === undefined ? undefined : find(map, names);
    if (c !== undefined) out.push(c);
  }
  return out;
}

/**
 * The compiled config of an entry when it is of `typeName` (what the filter's descriptor made), else
 * undefined: as Envoy's dynamic_cast, a config of another filter's type leaves the filter's own in force.
 */
export function compiledAs<T>(entry: RouteFilterConfig, typeName: string): T | undefined {
  return entry.typeName === typeName ? entry.config as T : undefined;
}

/** The names a filter's per-route config may be keyed by, without duplicates. */
export function perRouteNames(configuredName: string, canonicalName: string): readonly string[] {
  return configuredName === '' || configuredName === canonicalName ? [canonicalName] : [configuredName, canonicalName];
}
