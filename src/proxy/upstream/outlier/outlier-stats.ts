// Envoy's `cluster.<name>.outlier_detection.*` stats (ALL_OUTLIER_DETECTION_STATS) and the ejection
// types whose detected/enforced counters they hold.
import type { Counter, Gauge, Scope } from '../../stats/store.js';

/** Why a host is ejected (envoy.data.cluster.v3.OutlierEjectionType). */
export const enum EjectionType {
  Consecutive5xx,
  ConsecutiveGatewayFailure,
  SuccessRate,
  ConsecutiveLocalOriginFailure,
  SuccessRateLocalOrigin,
  FailurePercentage,
  FailurePercentageLocalOrigin,
}

/** The stat-name part of each ejection type, indexed by EjectionType. */
const TYPE_NAMES = ['consecutive_5xx', 'consecutive_gateway_failure', 'success_rate', 'consecutive_local_origin_failure',
  'local_origin_success_rate', 'failure_percentage', 'local_origin_failure_percentage'] as const;

/** The detector's counters and its gauge. */
export class OutlierStats {
  /** ejections_detected_<type>, indexed by EjectionType. */
  readonly detected: readonly Counter[];
  /** ejections_enforced_<type>, indexed by EjectionType. */
  readonly enforced: readonly Counter[];
  readonly ejections_enforced_total: Counter;
  readonly ejections_overflow: Counter;
  /** Deprecated in Envoy, still emitted. */
  readonly ejections_total: Counter;
  readonly ejections_consecutive_5xx: Counter;
  readonly ejections_success_rate: Counter;
  readonly ejections_active: Gauge;

  constructor(clusterScope: Scope) {
    const c = (n: string): Counter => clusterScope.counter(`outlier_detection.${n}`);
    this.detected = TYPE_NAMES.map((t) => c(`ejections_detected_${t}`));
    this.enforced = TYPE_NAMES.map((t) => c(`ejections_enforced_${t}`));
    this.ejections_enforced_total = c('ejections_enforced_total');
    this.ejections_overflow = c('ejections_overflow');
    this.ejections_total = c('ejections_total');
    this.ejections_consecutive_5xx = c('ejections_consecutive_5xx');
    this.ejections_success_rate = c('ejections_success_rate');
    this.ejections_active = clusterScope.gauge('outlier_detection.ejections_active');
  }
}
