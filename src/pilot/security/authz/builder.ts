// istiod's authorization builder (pilot/pkg/security/authz/builder): a proxy's AuthorizationPolicies
// as Envoy RBAC filters, HTTP (envoy.filters.http.rbac) or network (envoy.filters.network.rbac), in
// istiod's order: CUSTOM, then AUDIT (as LOG), DENY, ALLOW. Dry-run policies become shadow rules.
import { create, fromJson } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { FilterSchema, type Filter } from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { RBACSchema as HttpRbacSchema } from '../../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { RBACSchema as NetworkRbacSchema } from '../../../xds/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { HttpFilterSchema, type HttpFilter } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { registry } from '../../../xds/registry.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { Json } from './matchers.js';
import type { AuthorizationPolicies, AuthorizationPolicy } from './policies.js';
import { AuthzRuleError, generatePolicy, ruleModel, type RbacAction } from './rule-model.js';

export const HTTP_RBAC_FILTER = 'envoy.filters.http.rbac';
export const NETWORK_RBAC_FILTER = 'envoy.filters.network.rbac';
/** The network filter's stat_prefix (istiod's RBACTCPFilterStatPrefix). */
const TCP_STAT_PREFIX = 'tcp.';
const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

/** A policy without rules: a policy that never matches (an ALLOW policy of it denies everything). */
const MATCH_NEVER: Json = { permissions: [{ notRule: { any: true } }], principals: [{ notId: { any: true } }] };
const MATCH_ALL: Json = { permissions: [{ any: true }], principals: [{ any: true }] };
/** What istiod sends when a CUSTOM action cannot be served: deny everything. */
const DEFAULT_DENY_ALL: Json = { action: 'DENY', policies: { 'default-deny-all-due-to-bad-CUSTOM-action': MATCH_ALL } };

/** istiod's policy names: `ns[<ns>]-policy[<name>]-rule[<i>]`. */
export function policyName(namespace: string, name: string, rule: number): string {
  return `ns[${namespace}]-policy[${name}]-rule[${rule}]`;
}

/** strconv.ParseBool of the istio.io/dry-run annotation (a bad value is not dry run). */
function isDryRun(p: AuthorizationPolicy): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(p.metadata.annotations?.[DRY_RUN_ANNOTATION] ?? '');
}

/** The trust domains principals are rewritten to: the mesh's (Strait has no trust domain aliases). */
const trustDomains = (mesh: MeshConfig): string[] => [mesh.trustDomain];

/**
 * istiod's Builder.build for one action: the RBAC filter config (rules, shadow_rules for dry-run
 * policies, and shadowRuleStatPrefix, which reads missing shadow rules as ALLOW as Go does); undefined without policies.
 */
function build(policies: readonly AuthorizationPolicy[], action: RbacAction, forTcp: boolean, mesh: MeshConfig): Json | undefined {
  if (policies.length === 0) return undefined;
  const enforced: Record<string, Json> = {};
  const shadow: Record<string, Json> = {};
  let hasEnforced = false;
  let hasShadow = false;
  for (const p of policies) {
    const target = isDryRun(p) ? shadow : enforced;
    if (target === shadow) hasShadow = true;
    else hasEnforced = true;
    const ns = p.metadata.namespace ?? '';
    const rules = p.spec.rules ?? [];
    rules.forEach((rule, i) => {
      if (rule === null) return;
      try {
        target[policyName(ns, p.metadata.name, i)] = generatePolicy(ruleModel(rule, ns, trustDomains(mesh)), forTcp, action);
      } catch (e) {
        // istiod skips the rule: an unknown attribute, or an ALLOW rule with HTTP-only fields on a TCP chain.
        if (!(e instanceof AuthzRuleError)) throw e;
      }
    });
    if (rules.length === 0) target[policyName(ns, p.metadata.name, 0)] = MATCH_NEVER;
  }
  const shadowAction = hasShadow ? action : 'ALLOW';
  const out: Json = {
    shadowRulesStatPrefix: shadowAction === 'ALLOW' ? 'istio_dry_run_allow_' : shadowAction === 'DENY' ? 'istio_dry_run_deny_' : '',
  };
  if (hasEnforced) out['rules'] = { action, policies: enforced };
  if (hasShadow) out['shadowRules'] = { action, policies: shadow };
  return out;
}

function httpFilter(config: Json): HttpFilter {
  const msg = fromJson(HttpRbacSchema, config, { registry });
  return create(HttpFilterSchema, { name: HTTP_RBAC_FILTER, configType: { case: 'typedConfig', value: anyPack(HttpRbacSchema, msg) } });
}

function networkFilter(config: Json): Filter {
  const msg = fromJson(NetworkRbacSchema, { ...config, statPrefix: TCP_STAT_PREFIX }, { registry });
  return create(FilterSchema, { name: NETWORK_RBAC_FILTER, configType: { case: 'typedConfig', value: anyPack(NetworkRbacSchema, msg) } });
}

const ACTIONS: readonly [keyof AuthorizationPolicies, RbacAction][] = [['audit', 'LOG'], ['deny', 'DENY'], ['allow', 'ALLOW']];

function builtAll(p: AuthorizationPolicies, forTcp: boolean, mesh: MeshConfig): Json[] {
  const out: Json[] = [];
  for (const [key, action] of ACTIONS) {
    const b = build(p[key], action, forTcp, mesh);
    if (b !== undefined) out.push(b);
  }
  return out;
}

/**
 * CUSTOM (ext_authz) policies: Strait has no ext_authz filter, so it does what istiod does when a
 * CUSTOM provider cannot be served: one RBAC filter denying every request (validation warns).
 */
function customFallback(p: AuthorizationPolicies): Json[] {
  return p.custom.length > 0 ? [{ rules: DEFAULT_DENY_ALL }] : [];
}

/**
 * The HTTP filters of inbound and gateway HCMs: CUSTOM first, then AUDIT, DENY and ALLOW
 * (istiod puts the request authentication filters between CUSTOM and the rest).
 */
export function authzHttpFilters(p: AuthorizationPolicies, mesh: MeshConfig): HttpFilter[] {
  return [...customFallback(p), ...builtAll(p, false, mesh)].map(httpFilter);
}

/** The network filters of inbound and gateway TCP chains, before istio.stats and tcp_proxy. */
export function authzTcpFilters(p: AuthorizationPolicies, mesh: MeshConfig): Filter[] {
  return [...customFallback(p), ...builtAll(p, true, mesh)].map(networkFilter);
}
