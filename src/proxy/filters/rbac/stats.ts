// The RBAC filters' counters with Envoy's names: `<prefix>rbac.<rules_stat_prefix>allowed|denied` and
// `<prefix>rbac.<shadow_rules_stat_prefix>shadow_allowed|shadow_denied` (prefixes joined as statPrefixJoin).
import type { Counter, StatsStore } from '../../stats/store.js';

/** The counters of one RBAC filter config. */
export interface RbacStats {
  readonly allowed: Counter;
  readonly denied: Counter;
  readonly shadow_allowed: Counter;
  readonly shadow_denied: Counter;
}

/** Envoy::statPrefixJoin: a `.` between prefix and token unless the prefix is empty or ends with one. */
export function statPrefixJoin(prefix: string, token: string): string {
  if (prefix === '') return token;
  return prefix.endsWith('.') ? `${prefix}${token}` : `${prefix}.${token}`;
}

/** Creates the counters under `prefix` (`http.<hcm stat_prefix>.` or the network filter's stat_prefix). */
export function createRbacStats(store: StatsStore, prefix: string, rulesPrefix: string, shadowPrefix: string): RbacStats {
  const base = statPrefixJoin(prefix, 'rbac.');
  const rules = statPrefixJoin(base, rulesPrefix);
  const shadow = statPrefixJoin(base, shadowPrefix);
  return {
    allowed: store.counter(statPrefixJoin(rules, 'allowed')),
    denied: store.counter(statPrefixJoin(rules, 'denied')),
    shadow_allowed: store.counter(statPrefixJoin(shadow, 'shadow_allowed')),
    shadow_denied: store.counter(statPrefixJoin(shadow, 'shadow_denied')),
  };
}
