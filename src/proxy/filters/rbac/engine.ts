// Envoy's RBAC engine: named policies (permissions AND principals), checked in name order, and the
// action (ALLOW, DENY, LOG) that turns a match into a decision; also the enforced/shadow pair of a filter config.
import { RBAC_Action, type RBAC } from '../../../xds/gen/envoy/config/rbac/v3/rbac_pb.js';
import type { Matcher } from '../../../xds/gen/xds/type/matcher/v3/matcher_pb.js';
import { fail } from '../../router/errors.js';
import type { RbacInput } from './input.js';
import { compilePermission, compilePrincipal, type RbacMatch } from './matchers.js';

/** What one engine says about a request or connection. */
export interface RbacDecision {
  readonly allowed: boolean;
  /** The first matching policy in name order ('' when none matched). */
  readonly policyId: string;
  /** LOG engines: whether a policy matched (Envoy's `access_log_hint`); undefined for ALLOW/DENY. */
  readonly logHint?: boolean;
}

interface CompiledPolicy {
  readonly name: string;
  readonly permissions: RbacMatch;
  readonly principals: RbacMatch;
}

function any(ms: readonly RbacMatch[]): RbacMatch {
  return (input) => ms.some((m) => m(input));
}

/** std::map order: byte-wise on the names. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A compiled envoy.config.rbac.v3.RBAC. */
export class RbacEngine {
  private constructor(readonly action: RBAC_Action, private readonly policies: readonly CompiledPolicy[]) {}

  /** Compiles `rules`; `path` names it in errors (CEL conditions and audit loggers are refused). */
  static compile(rules: RBAC, path: string): RbacEngine {
    if (rules.auditLoggingOptions !== undefined) fail(`${path}.audit_logging_options`, 'RBAC audit loggers are not supported by Strait');
    const policies: CompiledPolicy[] = [];
    for (const name of Object.keys(rules.policies).sort(byName)) {
      const p = rules.policies[name];
      const at = `${path}.policies[${JSON.stringify(name)}]`;
      if (p.condition !== undefined) fail(`${at}.condition`, 'CEL conditions are not supported by Strait');
      if (p.checkedCondition !== undefined) fail(`${at}.checked_condition`, 'CEL conditions are not supported by Strait');
      if (p.permissions.length === 0) fail(`${at}.permissions`, 'at least one permission is required');
      if (p.principals.length === 0) fail(`${at}.principals`, 'at least one principal is required');
      policies.push({
        name,
        permissions: any(p.permissions.map((x, i) => compilePermission(x, `${at}.permissions[${i}]`))),
        principals: any(p.principals.map((x, i) => compilePrincipal(x, `${at}.principals[${i}]`))),
      });
    }
    return new RbacEngine(rules.action, policies);
  }

  /** The first policy (in name order) whose permissions and principals both match, or ''. */
  private matchedPolicy(input: RbacInput): string | undefined {
    for (const p of this.policies) if (p.permissions(input) && p.principals(input)) return p.name;
    return undefined;
  }

  /** Envoy's handleAction: ALLOW allows a match, DENY refuses one, LOG allows everything. */
  decide(input: RbacInput): RbacDecision {
    const matched = this.matchedPolicy(input);
    const policyId = matched ?? '';
    switch (this.action) {
      case RBAC_Action.DENY: return { allowed: matched === undefined, policyId };
      case RBAC_Action.LOG: return { allowed: true, policyId, logHint: matched !== undefined };
      default: return { allowed: matched !== undefined, policyId };
    }
  }
}

/** The fields the HTTP and network RBAC configs share. */
export interface RbacRulesConfig {
  rules?: RBAC;
  matcher?: Matcher;
  shadowRules?: RBAC;
  shadowMatcher?: Matcher;
}

/** A filter's enforced and shadow engines (null = none, as Envoy's createEngine). */
export interface RbacEngines {
  readonly enforced: RbacEngine | null;
  readonly shadow: RbacEngine | null;
}

/** Compiles rules and shadow_rules; the matcher trees (xds.type.matcher) are refused. */
export function compileEngines(c: RbacRulesConfig, path: string): RbacEngines {
  if (c.matcher !== undefined) fail(`${path}.matcher`, 'RBAC matcher trees are not supported by Strait; use rules');
  if (c.shadowMatcher !== undefined) fail(`${path}.shadow_matcher`, 'RBAC matcher trees are not supported by Strait; use shadow_rules');
  return {
    enforced: c.rules === undefined ? null : RbacEngine.compile(c.rules, `${path}.rules`),
    shadow: c.shadowRules === undefined ? null : RbacEngine.compile(c.shadowRules, `${path}.shadow_rules`),
  };
}

/** Envoy's responseDetail: `rbac_access_denied_matched_policy[<id>]`, whitespace replaced by `_`. */
export function responseDetail(policyId: string): string {
  return `rbac_access_denied_matched_policy[${policyId.replace(/\s/g, '_')}]`;
}

/** Envoy's DynamicMetadataKeys. */
export const RBAC_METADATA = {
  shadowEffectivePolicyId: 'shadow_effective_policy_id',
  shadowEngineResult: 'shadow_engine_result',
  enforcedEffectivePolicyId: 'enforced_effective_policy_id',
  enforcedEngineResult: 'enforced_engine_result',
  allowed: 'allowed',
  denied: 'denied',
  commonNamespace: 'envoy.common',
  accessLogHint: 'access_log_hint',
} as const;
