// Envoy's network RBAC filter (envoy.filters.network.rbac): checks a connection's addresses, SNI
// and peer certificate before the chain's terminal filter; a refused connection is closed at once.
import type { Permission, Principal, RBAC as Rules } from '../../../../xds/gen/envoy/config/rbac/v3/rbac_pb.js';
import type { RBAC } from '../../../../xds/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { fail } from '../../../router/errors.js';
import type { StatsStore } from '../../../stats/store.js';
import { compileEngines, responseDetail, type RbacEngines } from '../../rbac/engine.js';
import type { RbacInput } from '../../rbac/input.js';
import { createRbacStats, type RbacStats } from '../../rbac/stats.js';

/** Envoy refuses header rules in the network filter (there are no headers to match). */
function checkNoHeaders(rules: Rules | undefined, path: string): void {
  const permission = (p: Permission, at: string): void => {
    const r = p.rule;
    if (r.case === 'header') fail(`${at}.header`, 'Found header rule, not supported by RBAC network filter');
    if (r.case === 'andRules' || r.case === 'orRules') r.value.rules.forEach((x, i) => permission(x, `${at}.${r.case === 'andRules' ? 'and_rules' : 'or_rules'}.rules[${i}]`));
    if (r.case === 'notRule') permission(r.value, `${at}.not_rule`);
  };
  const principal = (p: Principal, at: string): void => {
    const id = p.identifier;
    if (id.case === 'header') fail(`${at}.header`, 'Found header rule, not supported by RBAC network filter');
    if (id.case === 'andIds' || id.case === 'orIds') id.value.ids.forEach((x, i) => principal(x, `${at}.${id.case === 'andIds' ? 'and_ids' : 'or_ids'}.ids[${i}]`));
    if (id.case === 'notId') principal(id.value, `${at}.not_id`);
  };
  for (const [name, p] of Object.entries(rules?.policies ?? {})) {
    const at = `${path}.policies[${JSON.stringify(name)}]`;
    p.permissions.forEach((x, i) => permission(x, `${at}.permissions[${i}]`));
    p.principals.forEach((x, i) => principal(x, `${at}.principals[${i}]`));
  }
}

/** One compiled network RBAC filter. */
export class NetworkRbacConfig {
  private readonly engines: RbacEngines;
  readonly stats: RbacStats;

  /** `fieldPath` is the filter's typed_config. */
  constructor(proto: RBAC, store: StatsStore, fieldPath: string) {
    if (proto.statPrefix === '') fail(`${fieldPath}.stat_prefix`, 'value length must be at least 1 characters');
    checkNoHeaders(proto.rules, `${fieldPath}.rules`);
    checkNoHeaders(proto.shadowRules, `${fieldPath}.shadow_rules`);
    this.engines = compileEngines(proto, fieldPath);
    this.stats = createRbacStats(store, proto.statPrefix, '', proto.shadowRulesStatPrefix);
  }

  /**
   * Checks a new connection: the connection termination details when refused
   * (`rbac_access_denied_matched_policy[...]`), else null. Shadow rules only count; the dynamic
   * metadata Envoy sets here is not kept (no later network filter of Strait reads it).
   */
  check(input: RbacInput): string | null {
    const { enforced, shadow } = this.engines;
    if (shadow !== null) (shadow.decide(input).allowed ? this.stats.shadow_allowed : this.stats.shadow_denied).inc();
    if (enforced === null) return null;
    const d = enforced.decide(input);
    if (d.allowed) {
      this.stats.allowed.inc();
      return null;
    }
    this.stats.denied.inc();
    return responseDetail(d.policyId === '' ? 'none' : d.policyId);
  }
}
