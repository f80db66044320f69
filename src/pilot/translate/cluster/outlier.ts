// DestinationRule outlierDetection -> Envoy OutlierDetection as istiod's applyOutlierDetection (success rate
// off, enforcing 100% for set detectors, healthy_panic_threshold = minHealthPercent or 0).
import { create } from '@bufbuild/protobuf';
import { OutlierDetectionSchema } from '../../../xds/gen/envoy/config/cluster/v3/outlier_detection_pb.js';
import { PercentSchema } from '../../../xds/gen/envoy/type/v3/percent_pb.js';
import type { OutlierDetection } from '../../config/kinds/destination-rule.js';
import { duration } from '../route/durations.js';
import type { ClusterDraft } from './draft.js';

const enforcing = (v: number): number => (v > 0 ? 100 : 0);

export function applyOutlierDetection(d: ClusterDraft, o: OutlierDetection | undefined, sendUnhealthy = false): void {
  if (o === undefined) return;
  const out = create(OutlierDetectionSchema, { enforcingSuccessRate: 0 });
  if (o.consecutive5xxErrors !== undefined) {
    out.consecutive5xx = o.consecutive5xxErrors;
    out.enforcingConsecutive5xx = enforcing(o.consecutive5xxErrors);
  }
  if (o.consecutiveGatewayErrors !== undefined) {
    out.consecutiveGatewayFailure = o.consecutiveGatewayErrors;
    out.enforcingConsecutiveGatewayFailure = enforcing(o.consecutiveGatewayErrors);
  }
  if (o.interval !== undefined) out.interval = duration(o.interval);
  if (o.baseEjectionTime !== undefined) out.baseEjectionTime = duration(o.baseEjectionTime);
  if ((o.maxEjectionPercent ?? 0) > 0) out.maxEjectionPercent = o.maxEjectionPercent;
  if (o.splitExternalLocalOriginErrors === true) {
    out.splitExternalLocalOriginErrors = true;
    if ((o.consecutiveLocalOriginFailures ?? 0) > 0) {
      out.consecutiveLocalOriginFailure = o.consecutiveLocalOriginFailures;
      out.enforcingConsecutiveLocalOriginFailure = 100;
    }
    out.enforcingLocalOriginSuccessRate = 0;
  }
  d.cluster.outlierDetection = out;
  // Istio always sets the panic threshold here, so an unset minHealthPercent disables panic mode.
  if (d.cluster.commonLbConfig !== undefined) {
    d.cluster.commonLbConfig.healthyPanicThreshold = create(PercentSchema, { value: sendUnhealthy ? 0 : (o.minHealthPercent ?? 0) });
  }
}
