// typed_per_filter_config lookup: the most specific config a matched route gives one filter (weighted
// cluster, route, virtual host, then route configuration), by the filter's configured name, then its canonical one.
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { FilterConfigSchema } from '../../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { RouteMatchResult } from '../../../router/types.js';

/** What a route says about one filter. */
export interface PerRouteConfig {
  /** envoy.config.route.v3.FilterConfig `disabled`: the filter does nothing on this route. */
  readonly disabled: boolean;
  /** The filter's own config message (unwrapped from a FilterConfig), or null. */
  readonly config: Any | null;
}

const FILTER_CONFIG_URL_SUFFIX = `/${FilterConfigSchema.typeName}`;

/** Unwrapped entries by their Any: route tables are immutable, so each Any is unwrapped once. */
const unwrapped = new WeakMap<Any, PerRouteConfig>();

function find(map: { readonly [name: string]: Any }, names: readonly string[]): Any | undefined {
  for (let i = 0; i < names.length; i++) {
    if (Object.prototype.hasOwnProperty.call(map, names[i])) return map[names[i]];
  }
  return undefined;
}

function unwrap(any: Any): PerRouteConfig {
  let r = unwrapped.get(any);
  if (r !== undefined) return r;
  if (any.typeUrl.endsWith(FILTER_CONFIG_URL_SUFFIX)) {
    let disabled = false;
    let config: Any | null = null;
    try {
      const fc = anyUnpack(any, FilterConfigSchema);
      disabled = fc?.disabled ?? false;
      config = fc?.config ?? null;
    } catch {
      // Validated at load; an undecodable wrapper leaves the filter's own config in force.
    }
    r = { disabled, config: disabled ? null : config };
  } else {
    r = { disabled: false, config: any };
  }
  unwrapped.set(any, r);
  return r;
}

/**
 * The most specific typed_per_filter_config entry for a filter known by `names` (its http_filters
 * name first, then its canonical extension name), or null when no level has one.
 */
export function mostSpecificPerFilterConfig(match: RouteMatchResult | null, names: readonly string[]):
  PerRouteConfig | null {
  if (match === null) return null;
  const any = (match.weightedCluster !== null ? find(match.weightedCluster.typedPerFilterConfig, names) : undefined)
    ?? find(match.route.typedPerFilterConfig, names)
    ?? find(match.virtualHost.typedPerFilterConfig, names)
    ?? find(match.virtualHost.routeConfigTypedPerFilterConfig, names);
  return any === undefined ? null : unwrap(any);
}

/**
 * Every level's typed_per_filter_config entry for a filter known by `names`, most specific first
 * (Envoy's getAllPerFilterConfig, reversed); for filters that merge levels field by field.
 */
export function allPerFilterConfigs(match: RouteMatchResult, names: readonly string[]): PerRouteConfig[] {
  const out: PerRouteConfig[] = [];
  const levels = [match.weightedCluster?.typedPerFilterConfig, match.route.typedPerFilterConfig,
    match.virtualHost.typedPerFilterConfig, match.virtualHost.routeConfigTypedPerFilterConfig];
  for (const map of levels) {
    const any = map === undefined ? undefined : find(map, names);
    if (any !== undefined) out.push(unwrap(any));
  }
  return out;
}

/** The names a filter's per-route config may be keyed by, without duplicates. */
export function perRouteNames(configuredName: string, canonicalName: string): readonly string[] {
  return configuredName === '' || configuredName === canonicalName ? [canonicalName] : [configuredName, canonicalName];
}
