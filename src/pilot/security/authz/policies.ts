// Which AuthorizationPolicies reach a proxy, as istiod's ListAuthorizationPolicies: the root
// namespace's (mesh-wide) and the proxy's namespace's, by workload selector or Gateway targetRef,
// grouped by action in config order.
import type { AuthorizationPolicySpec, PolicyTargetReference } from '../../config/kinds/authorization-policy.js';
import type { ConfigObject } from '../../config/object.js';
import type { ProxyScope } from '../../model/proxy-views.js';
import { selects } from '../../registry/workload.js';

export type AuthorizationPolicy = ConfigObject<AuthorizationPolicySpec>;

/** The policies of one proxy by action (istiod's AuthorizationPoliciesResult). */
export interface AuthorizationPolicies {
  readonly custom: AuthorizationPolicy[];
  readonly deny: AuthorizationPolicy[];
  readonly allow: AuthorizationPolicy[];
  readonly audit: AuthorizationPolicy[];
}

/** No policies: every request is allowed. */
export function noAuthorizationPolicies(): AuthorizationPolicies {
  return { custom: [], deny: [], allow: [], audit: [] };
}

/** The label Gateway API deployments carry: their Gateway's name. */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** The selection fields AuthorizationPolicy and RequestAuthentication share. */
type PolicySelection = Pick<AuthorizationPolicySpec, 'selector' | 'targetRef' | 'targetRefs'>;

function targetRefs(spec: PolicySelection): PolicyTargetReference[] {
  return spec.targetRefs !== undefined && spec.targetRefs.length > 0 ? spec.targetRefs : spec.targetRef !== undefined ? [spec.targetRef] : [];
}

/**
 * Whether a policy of the proxy's namespace or the root namespace applies to it: targetRefs attach
 * only to the Gateway API gateway they name (Service targets are for waypoints, which Strait has not);
 * otherwise an empty selector takes every workload, and a selector the workloads whose labels it matches.
 */
export function policyApplies(p: ConfigObject<PolicySelection>, proxy: ProxyScope): boolean {
  const refs = targetRefs(p.spec);
  if (refs.length > 0) {
    const gateway = proxy.labels[GATEWAY_NAME_LABEL];
    return gateway !== undefined && p.metadata.namespace === proxy.namespace && refs.some((r) =>
      r.kind === 'Gateway' && (r.group ?? '') === 'gateway.networking.k8s.io' && r.name === gateway);
  }
  const labels = p.spec.selector?.matchLabels;
  return labels === undefined || Object.keys(labels).length === 0 || selects(labels, proxy.labels);
}

/** The policies for `proxy`, root namespace first, each list in the given (istiod's config) order. */
export function authorizationPoliciesFor(all: readonly AuthorizationPolicy[], proxy: ProxyScope, rootNamespace: string): AuthorizationPolicies {
  const out = noAuthorizationPolicies();
  const namespaces = proxy.namespace === rootNamespace ? [rootNamespace] : [rootNamespace, proxy.namespace];
  for (const ns of namespaces) {
    for (const p of all) {
      if ((p.metadata.namespace ?? '') !== ns || !policyApplies(p, proxy)) continue;
      switch (p.spec.action ?? 'ALLOW') {
        case 'CUSTOM': out.custom.push(p); break;
        case 'DENY': out.deny.push(p); break;
        case 'AUDIT': out.audit.push(p); break;
        default: out.allow.push(p); break;
      }
    }
  }
  return out;
}
