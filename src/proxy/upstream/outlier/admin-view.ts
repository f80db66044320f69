// The outlier figures `/clusters` prints (success_rate_average, ejection thresholds, per-host success
// rates), read from a cluster's detector for the admin's AdminContext.outlierDetector().
import type { AdminOutlierView } from '../../admin/types.js';
import type { Cluster } from '../types.js';

/** The admin view of `cluster`'s outlier detector; null when it has no outlier_detection. */
export function outlierAdminView(cluster: Cluster): AdminOutlierView | null {
  const d = cluster.outlierDetector;
  if (d === undefined || d === null) return null;
  return {
    successRateAverage: d.successRateAverage('external'),
    successRateEjectionThreshold: d.successRateEjectionThreshold('external'),
    localOriginSuccessRateAverage: d.successRateAverage('local'),
    localOriginSuccessRateEjectionThreshold: d.successRateEjectionThreshold('local'),
    hostSuccessRate: (host) => d.hostSuccessRate(host, 'external'),
    hostLocalOriginSuccessRate: (host) => d.hostSuccessRate(host, 'local'),
  };
}
