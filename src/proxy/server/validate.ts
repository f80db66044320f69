// --mode validate beyond the schema: builds every static cluster and listener (TLS contexts,
// filter chains, routes, loggers) without binding or connecting, and collects their errors.
import type { Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { formatPath, ProxyConfigError, type ConfigError } from '../bootstrap/config-error.js';
import { create } from '@bufbuild/protobuf';
import { NodeSchema } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { ActiveListener } from '../listener/listener.js';
import { secretManager } from '../secret/secret-manager.js';
import { StatsStore } from '../stats/store.js';
import { clusterConfigErrors, createClusterManager } from '../upstream/cluster-manager.js';

/** The build errors of a loaded bootstrap, each with its field path; [] when it would start. */
export async function buildErrors(bootstrap: Bootstrap): Promise<ConfigError[]> {
  const errors: ConfigError[] = [];
  // Static secrets resolve; SDS sources are checked but not connected.
  secretManager.configure({ bootstrap, node: create(NodeSchema), ads: null, connect: false });
  const clusters = bootstrap.staticResources?.clusters ?? [];
  clusters.forEach((c, i) => {
    for (const e of clusterConfigErrors(c)) {
      errors.push({ path: `.static_resources.clusters[${i}]${formatPath(e.path)}`, message: e.message });
    }
  });
  // Listeners only need the cluster manager for traffic; an empty one lets them be built here.
  const stats = new StatsStore();
  const clusterManager = await createClusterManager([], stats);
  (bootstrap.staticResources?.listeners ?? []).forEach((l, i) => {
    try {
      new ActiveListener(l, { clusterManager, stats }, `.static_resources.listeners[${i}]`);
    } catch (e) {
      if (!(e instanceof ProxyConfigError)) throw e;
      errors.push({ path: '', message: e.message });
    }
  });
  return errors;
}
