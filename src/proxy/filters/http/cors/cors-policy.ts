// One CORS policy compiled once: the filter's CorsPolicy (typed_per_filter_config) or the route table's
// deprecated `cors` field. Unset fields stay unset, so the filter can merge levels field by field.
import type { CorsPolicy } from '../../../../xds/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import type { CorsPolicy as RouteCorsPolicy } from '../../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import type { RuntimeFractionalPercent } from '../../../../xds/gen/envoy/config/core/v3/base_pb.js';
import { StringMatch } from '../../../router/string-match.js';
import { RuntimeFraction } from '../fault/fractional-percent.js';

/** A compiled CORS policy of one level (route config, virtual host, route or weighted cluster). */
export class CompiledCorsPolicy {
  constructor(
    /** allow_origin_string_match (empty = unset at this level). */
    readonly allowOrigins: readonly StringMatch[],
    /** allow_methods, allow_headers, expose_headers, max_age ('' = unset). */
    readonly allowMethods: string,
    readonly allowHeaders: string,
    readonly exposeHeaders: string,
    readonly maxAge: string,
    /** Optional booleans: undefined when this level leaves them to a less specific one. */
    readonly allowCredentials: boolean | undefined,
    readonly allowPrivateNetworkAccess: boolean | undefined,
    readonly forwardNotMatchingPreflights: boolean | undefined,
    /** filter_enabled's default value; null (unset) means always enabled. */
    readonly filterFraction: RuntimeFraction | null,
    /** shadow_enabled's default value; null (unset) means never. */
    readonly shadowFraction: RuntimeFraction | null,
  ) {}

  /** Envoy's CorsPolicy::enabled() with no runtime override: one draw of filter_enabled. */
  enabled(random: () => number): boolean {
    return this.filterFraction === null || this.filterFraction.sample(random);
  }

  /** Envoy's CorsPolicy::shadowEnabled(): one draw of shadow_enabled. */
  shadowEnabled(random: () => number): boolean {
    return this.shadowFraction !== null && this.shadowFraction.sample(random);
  }
}

function fraction(p: RuntimeFractionalPercent | undefined): RuntimeFraction | null {
  // The runtime key, when set, overrides the default value (0% when it is missing).
  return p === undefined ? null : RuntimeFraction.of(p);
}

/**
 * Compiles a CorsPolicy of either kind; `path` names it in errors. Throws a RouteConfigError for a
 * matcher Envoy rejects (a bad regex, ignore_case with safe_regex, no pattern).
 */
export function compileCorsPolicy(p: CorsPolicy | RouteCorsPolicy, path: string): CompiledCorsPolicy {
  const filterEnabled = p.$typeName === 'envoy.config.route.v3.CorsPolicy'
    ? (p.enabledSpecifier.case === 'filterEnabled' ? p.enabledSpecifier.value : undefined)
    : p.filterEnabled;
  return new CompiledCorsPolicy(
    p.allowOriginStringMatch.map((m, i) => StringMatch.compile(m, `${path}.allow_origin_string_match[${i}]`)),
    p.allowMethods, p.allowHeaders, p.exposeHeaders, p.maxAge,
    p.allowCredentials, p.allowPrivateNetworkAccess, p.forwardNotMatchingPreflights,
    fraction(filterEnabled), fraction(p.shadowEnabled));
}
