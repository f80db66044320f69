// Test support: loads a generated listener the way Strait's proxy loads one from LDS (schema and
// semantic checks, then the listener built without binding), returning the errors it would NACK.
import { ListenerSchema, type Listener } from '../../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { checkListenerSemantics } from '../../../proxy/bootstrap/semantic-checks.js';
import { ActiveListener } from '../../../proxy/listener/listener.js';
import { StatsStore } from '../../../proxy/stats/store.js';
import type { ClusterManager } from '../../../proxy/upstream/types.js';
import { formatErrors, schemaErrors } from '../../../proxy/xds/validation.js';

const noClusters: ClusterManager = {
  get: () => undefined, clusters: () => [], addOrUpdateCluster: () => Promise.resolve(false), removeCluster: () => false,
};

/** '' when the proxy accepts the listener, else its error text. */
export function proxyLoadError(l: Listener): string {
  const errors = [...schemaErrors(ListenerSchema, l), ...checkListenerSemantics(l, [])];
  if (errors.length > 0) return formatErrors(errors);
  try {
    new ActiveListener(l, { clusterManager: noClusters, stats: new StatsStore(), rds: () => ({ current: () => null }) }, '');
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}
