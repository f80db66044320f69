// istiod's authorization builder (pilot/pkg/security/authz/builder): a proxy's AuthorizationPolicies
// as Envoy RBAC filters, HTTP (envoy.filters.http.rbac) or network (envoy.filters.network.rbac), in
// istiod's order: CUSTOM (with its ext_authz filter), then AUDIT (as LOG), DENY, ALLOW. Dry-run policies become shadow rules.
import { create, fromJson } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { FilterSchema, type Filter } from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { RBACSchema as HttpRbacSchema } from '../../../xds/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { RBACSchema as NetworkRbacSchema } from '../../../xds/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { HttpFilterSchema, type HttpFilter } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { ExtAuthzSchema } from '../../../xds/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js';
import { registry } from '../../../xds/registry.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { ProxyScope } from '../../model/proxy-views.js';
import type { PushContext } from '../../model/push-context.js';
import { EXT_AUTHZ_MATCH_PREFIX, EXT_AUTHZ_SHADOW_STAT_PREFIX, HTTP_EXT_AUTHZ_FILTER, resolveProvider, type ResolvedProvider } from './ext-authz.js';
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
/** What istiod sends when a CUSTOM provider cannot be served: deny everything. */
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

/** The CUSTOM policies of a proxy with what their provider resolves to (undefined: none). */
function customPlan(push: PushContext, proxy: ProxyScope): { policies: AuthorizationPolicy[]; provider: ResolvedProvider } | undefined {
  const policies = push.authorizationPoliciesFor(proxy).custom;
  if (policies.length === 0) return undefined;
  const names = policies.map((p) => p.spec.provider?.name ?? '');
  const provider: ResolvedProvider = names.some((n) => n !== names[0])
    ? { error: `only 1 provider can be used per workload, found multiple providers: [${names.join(' ')}]` }
    : resolveProvider(push.mesh.extensionProviders, names[0], push.servicesFor(proxy));
  // istiod logs the failure and denies every request; Strait also lists it with the policy (push_status, analyze).
  if ('error' in provider) {
    for (const p of policies) push.reportConfigError(p, new Error(`failed to process CUSTOM action, will generate deny configs: ${provider.error}`));
  }
  return { policies, provider };
}

/** The RBAC filter that records which CUSTOM rule matched (shadow rules named istio-ext-authz-...), for ext_authz. */
function customShadowRules(policies: readonly AuthorizationPolicy[], mesh: MeshConfig): Json {
  // Dry-run CUSTOM policies are left out: they never send a request to the authorization server.
  const built = build(policies.filter((p) => !isDryRun(p)), 'DENY', false, mesh);
  const rules = (built?.['rules'] as Json | undefined) ?? { action: 'DENY', policies: {} };
  const named: Record<string, Json> = {};
  for (const [name, policy] of Object.entries(rules['policies'] as Record<string, Json>)) named[`${EXT_AUTHZ_MATCH_PREFIX}-${name}`] = policy;
  return { shadowRules: { action: 'DENY', policies: named }, shadowRulesStatPrefix: EXT_AUTHZ_SHADOW_STAT_PREFIX };
}

function extAuthzFilter(config: Json): HttpFilter {
  const msg = fromJson(ExtAuthzSchema, config, { registry });
  return create(HttpFilterSchema, { name: HTTP_EXT_AUTHZ_FILTER, configType: { case: 'typedConfig', value: anyPack(ExtAuthzSchema, msg) } });
}

/**
 * The CUSTOM filters of inbound and gateway HCMs, first in the chain (istiod puts the request authentication
 * filters after them): an RBAC filter in shadow mode marking the requests the CUSTOM rules match, then the
 * provider's ext_authz filter enabled by that mark; a provider that cannot be served denies every request.
 */
export function customHttpFilters(push: PushContext, proxy: ProxyScope): HttpFilter[] {
  const plan = customPlan(push, proxy);
  if (plan === undefined) return [];
  if ('error' in plan.provider) return [httpFilter({ rules: DEFAULT_DENY_ALL })];
  return [httpFilter(customShadowRules(plan.policies, push.mesh)), extAuthzFilter(plan.provider.http)];
}

/** The AUDIT, DENY and ALLOW filters of inbound and gateway HCMs, after the request authentication filters. */
export function authzHttpFilters(push: PushContext, proxy: ProxyScope): HttpFilter[] {
  return builtAll(push.authorizationPoliciesFor(proxy), false, push.mesh).map(httpFilter);
}

/**
 * The network filters of inbound and gateway TCP chains, before istio.stats and tcp_proxy. An HTTP provider
 * does not apply to TCP (istiod skips it); a provider that cannot be served denies every connection.
 */
export function authzTcpFilters(push: PushContext, proxy: ProxyScope): Filter[] {
  const plan = customPlan(push, proxy);
  const custom = plan !== undefined && 'error' in plan.provider ? [{ rules: DEFAULT_DENY_ALL }] : [];
  return [...custom, ...builtAll(push.authorizationPoliciesFor(proxy), true, push.mesh)].map(networkFilter);
}
