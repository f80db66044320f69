// A cluster's `outlier_detection` (envoy.config.cluster.v3.OutlierDetection) read once with Envoy's
// defaults (DetectorConfig), or config errors with field paths relative to the cluster.
import type { Cluster as ClusterConfig } from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { PathError } from '../../bootstrap/config-error.js';
import { durationMs } from '../../util/duration.js';

/** Outlier detection settings (times in ms, percentages 0..100). */
export interface OutlierSettings {
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionTimeJitterMs: number;
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  readonly maxEjectionPercent: number;
  readonly alwaysEjectOneHost: boolean;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  /** success_rate_stdev_factor / 1000. */
  readonly successRateStdevFactor: number;
  readonly failurePercentageThreshold: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
  readonly enforcingConsecutive5xx: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly enforcingSuccessRate: number;
  readonly enforcingFailurePercentage: number;
  readonly enforcingFailurePercentageLocalOrigin: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly enforcingLocalOriginSuccessRate: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly successfulActiveHealthCheckUnejectHost: boolean;
}

/** Envoy's defaults (outlier_detection_impl.h). */
const DEFAULT_INTERVAL_MS = 10_000;
const DEFAULT_BASE_EJECTION_TIME_MS = 30_000;
const DEFAULT_MAX_EJECTION_TIME_MS = 300_000;

/** The cluster's outlier detection settings; null when absent or invalid (errors say why). */
export function parseOutlierDetection(config: ClusterConfig, errors: PathError[]): OutlierSettings | null {
  const od = config.outlierDetection;
  if (od === undefined) return null;
  const base = durationMs(od.baseEjectionTime, DEFAULT_BASE_EJECTION_TIME_MS);
  const max = durationMs(od.maxEjectionTime, Math.max(DEFAULT_MAX_EJECTION_TIME_MS, base));
  const before = errors.length;
  if (max < base) {
    errors.push({ path: ['outlier_detection'],
      message: "outlier detector's max_ejection_time cannot be smaller than base_ejection_time" });
  }
  const interval = durationMs(od.interval, DEFAULT_INTERVAL_MS);
  if (interval <= 0) errors.push({ path: ['outlier_detection', 'interval'], message: 'value must be greater than 0s' });
  if (od.monitors.length > 0) {
    errors.push({ path: ['outlier_detection', 'monitors'], message: 'outlier detection monitors are not supported' });
  }
  if (errors.length > before) return null;
  return {
    intervalMs: interval,
    baseEjectionTimeMs: base,
    maxEjectionTimeMs: max,
    maxEjectionTimeJitterMs: durationMs(od.maxEjectionTimeJitter, 0),
    consecutive5xx: od.consecutive5xx ?? 5,
    consecutiveGatewayFailure: od.consecutiveGatewayFailure ?? 5,
    consecutiveLocalOriginFailure: od.consecutiveLocalOriginFailure ?? 5,
    maxEjectionPercent: Math.min(100, od.maxEjectionPercent ?? 10),
    alwaysEjectOneHost: od.alwaysEjectOneHost ?? false,
    successRateMinimumHosts: od.successRateMinimumHosts ?? 5,
    successRateRequestVolume: od.successRateRequestVolume ?? 100,
    successRateStdevFactor: (od.successRateStdevFactor ?? 1900) / 1000,
    failurePercentageThreshold: od.failurePercentageThreshold ?? 85,
    failurePercentageMinimumHosts: od.failurePercentageMinimumHosts ?? 5,
    failurePercentageRequestVolume: od.failurePercentageRequestVolume ?? 50,
    enforcingConsecutive5xx: od.enforcingConsecutive5xx ?? 100,
    enforcingConsecutiveGatewayFailure: od.enforcingConsecutiveGatewayFailure ?? 0,
    enforcingSuccessRate: od.enforcingSuccessRate ?? 100,
    enforcingFailurePercentage: od.enforcingFailurePercentage ?? 0,
    enforcingFailurePercentageLocalOrigin: od.enforcingFailurePercentageLocalOrigin ?? 0,
    enforcingConsecutiveLocalOriginFailure: od.enforcingConsecutiveLocalOriginFailure ?? 100,
    enforcingLocalOriginSuccessRate: od.enforcingLocalOriginSuccessRate ?? 100,
    splitExternalLocalOriginErrors: od.splitExternalLocalOriginErrors,
    successfulActiveHealthCheckUnejectHost: od.successfulActiveHealthCheckUnejectHost ?? true,
  };
}
