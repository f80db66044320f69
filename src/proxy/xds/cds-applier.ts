// CDS over ADS: adds, updates and removes clusters in the cluster manager (state of the world).
// Bad clusters are reported in one NACK, as Envoy's "Error adding/updating cluster(s) ..."; the rest apply.
import { equals } from '@bufbuild/protobuf';
import { ClusterSchema, type Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { DecodedResource, ResourceHandler } from '../../xds/client/index.js';
import { log } from '../log.js';
import type { StatsStore } from '../stats/store.js';
import { clusterConfigErrors, type ClusterManagerImpl } from '../upstream/cluster-manager.js';
import { duplicateName, type DynamicRecord, type FailureRecord } from './records.js';
import { formatErrors, schemaErrors } from './validation.js';
import { SubscriptionStats } from './xds-stats.js';

/** The CDS subscription's side of the cluster manager. */
export class CdsApplier implements ResourceHandler {
  /** Accepted clusters by name; `warm` false while the cluster manager warms them. */
  readonly clusters = new Map<string, DynamicRecord<ClusterConfig> & { warm: boolean }>();
  readonly failures = new Map<string, FailureRecord<ClusterConfig>>();
  /** version_info of the last accepted response. */
  version = '';
  /** Whether the response being applied added, changed or removed anything. */
  private anyApplied = false;
  /** The subscription's stats (update_failure is counted by the runtime on stream failures). */
  readonly stats: SubscriptionStats;
  /** Clusters of the last response still warming. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly cm: ClusterManagerImpl, store: StatsStore) {
    this.stats = new SubscriptionStats(store, 'cluster_manager.cds');
  }

  apply(resources: readonly DecodedResource[], version: string): string | null {
    this.anyApplied = false;
    const error = this.update(resources, version);
    this.stats.record(error, version);
    // As Envoy: the version moves when anything was applied, even if part of the response was rejected.
    if (error === null || this.anyApplied) this.version = version;
    return error;
  }

  /** Resolves once every cluster added so far is warm (or failed). */
  async warmed(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private update(resources: readonly DecodedResource[], version: string): string | null {
    const dup = duplicateName(resources.map((r) => r.name));
    if (dup !== undefined) return `Error adding/updating cluster(s) ${dup}: duplicate cluster ${dup} found`;
    const failures: string[] = [];
    const now = new Date();
    const seen = new Set<string>();
    for (const r of resources) {
      const config = r.message as ClusterConfig;
      seen.add(config.name);
      const known = this.clusters.get(config.name);
      if (known !== undefined && equals(ClusterSchema, known.resource, config)) continue;
      const errors = [...schemaErrors(ClusterSchema, config), ...clusterConfigErrors(config)];
      if (errors.length > 0) {
        const details = formatErrors(errors);
        failures.push(`${config.name}: ${details}`);
        this.failures.set(config.name, { version, failed: config, attempt: now, details });
        continue;
      }
      this.failures.delete(config.name);
      this.anyApplied = true;
      const record = { version, resource: config, lastUpdated: now, warm: false };
      this.clusters.set(config.name, record);
      log('upstream', 'info', `cds: add/update cluster '${config.name}'`);
      // Warming (first DNS answer, first EDS assignment) goes on after the ACK, as in Envoy.
      const warming = this.cm.addOrUpdateCluster(config).then(() => {
        record.warm = true;
      }, (e: unknown) => {
        log('upstream', 'warning', `cds: cluster '${config.name}' failed: ${(e as Error).message}`);
        if (this.clusters.get(config.name) === record) this.clusters.delete(config.name);
      }).finally(() => this.pending.delete(warming));
      this.pending.add(warming);
    }
    for (const name of [...this.clusters.keys()]) {
      if (seen.has(name)) continue;
      this.clusters.delete(name);
      this.anyApplied = true;
      if (this.cm.removeCluster(name)) log('upstream', 'info', `cds: remove cluster '${name}'`);
    }
    return failures.length > 0 ? `Error adding/updating cluster(s) ${failures.join(', ')}` : null;
  }
}
