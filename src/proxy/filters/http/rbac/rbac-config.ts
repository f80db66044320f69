// The HTTP RBAC filter's config (envoy.extensions.filters.http.rbac.v3.RBAC) and per-route config
// (RBACPerRoute): the enforced and shadow engines and the prefixes of their stats and metadata keys.
import type { RBAC, RBACPerRoute } from '../../../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { fail } from '../../../router/errors.js';
import { compileEngines, RBAC_METADATA, type RbacEngines } from '../../rbac/engine.js';

/** One compiled RBAC message (the filter's, or a route's). */
export interface HttpRbacSettings extends RbacEngines {
  readonly rulesStatPrefix: string;
  readonly shadowRulesStatPrefix: string;
  /** The dynamic metadata keys the filter writes, prefixed once here rather than per request. */
  readonly keys: { readonly effectivePolicyId: string; readonly engineResult: string;
    readonly shadowEffectivePolicyId: string; readonly shadowEngineResult: string };
}

function metadataKeys(rules: string, shadow: string): HttpRbacSettings['keys'] {
  return {
    effectivePolicyId: `${rules}${RBAC_METADATA.enforcedEffectivePolicyId}`, engineResult: `${rules}${RBAC_METADATA.enforcedEngineResult}`,
    shadowEffectivePolicyId: `${shadow}${RBAC_METADATA.shadowEffectivePolicyId}`, shadowEngineResult: `${shadow}${RBAC_METADATA.shadowEngineResult}`,
  };
}

/** Compiles an RBAC message; `path` names it in errors. */
export function compileHttpRbac(c: RBAC | undefined, path: string): HttpRbacSettings {
  if (c === undefined) return { enforced: null, shadow: null, rulesStatPrefix: '', shadowRulesStatPrefix: '', keys: metadataKeys('', '') };
  if (c.trackPerRuleStats) fail(`${path}.track_per_rule_stats`, 'per-rule RBAC stats are not supported by Strait');
  return { ...compileEngines(c, path), rulesStatPrefix: c.rulesStatPrefix, shadowRulesStatPrefix: c.shadowRulesStatPrefix,
    keys: metadataKeys(c.rulesStatPrefix, c.shadowRulesStatPrefix) };
}

/** Compiles an RBACPerRoute: its `rbac` replaces the filter's config on the route (none = no checks). */
export function compileHttpRbacPerRoute(c: RBACPerRoute, path: string): HttpRbacSettings {
  return compileHttpRbac(c.rbac, `${path}.rbac`);
}
