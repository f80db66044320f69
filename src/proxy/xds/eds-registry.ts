// EDS over ADS: EDS clusters attach by service name, the registry subscribes to those names and
// hands each ClusterLoadAssignment to its clusters; CDS clusters stay warming until the first one.
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { DecodedResource, ResourceHandler } from '../../xds/client/index.js';
import type { PathError } from '../bootstrap/config-error.js';
import { endpointsOf } from '../upstream/endpoints.js';
import type { EdsCluster, EdsSource } from '../upstream/eds-source.js';
import { duplicateName, type DynamicRecord } from './records.js';
import { formatErrors, schemaErrors } from './validation.js';

interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout | null;
}

/** Every EDS cluster's assignment source. */
export class EdsRegistry implements EdsSource, ResourceHandler {
  private readonly clusters = new Map<string, Set<EdsCluster>>();
  private readonly waiters = new Map<EdsCluster, Waiter>();
  /** The last accepted assignment per service name (for clusters that attach later, and config_dump). */
  readonly assignments = new Map<string, DynamicRecord<ClusterLoadAssignment>>();
  /** Called when the set of names to subscribe to changes. */
  onNamesChanged: (names: string[]) => void = () => {};

  attach(cluster: EdsCluster): Promise<void> {
    const name = cluster.edsServiceName;
    let set = this.clusters.get(name);
    const added = set === undefined;
    if (set === undefined) this.clusters.set(name, (set = new Set()));
    set.add(cluster);
    if (added) this.onNamesChanged([...this.clusters.keys()]);
    const known = this.assignments.get(name);
    if (known !== undefined) {
      cluster.updateLoadAssignment(known.resource);
      return Promise.resolve();
    }
    // Static EDS clusters start empty rather than hold up the server's start (the stream is not open yet).
    if (!cluster.addedViaApi) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const ms = cluster.initialFetchTimeoutMs;
      const timer = ms > 0 ? setTimeout(() => this.release(cluster), ms) : null;
      timer?.unref();
      this.waiters.set(cluster, { resolve, timer });
    });
  }

  detach(cluster: EdsCluster): void {
    this.release(cluster);
    const name = cluster.edsServiceName;
    const set = this.clusters.get(name);
    if (set === undefined || !set.delete(cluster)) return;
    if (set.size === 0) {
      // The cluster is gone (not replaced): so is its assignment, as Envoy drops the EDS config.
      this.clusters.delete(name);
      this.assignments.delete(name);
      this.onNamesChanged([...this.clusters.keys()]);
    }
  }

  /** The names currently subscribed. */
  names(): string[] {
    return [...this.clusters.keys()];
  }

  private release(cluster: EdsCluster): void {
    const w = this.waiters.get(cluster);
    if (w === undefined) return;
    this.waiters.delete(cluster);
    if (w.timer !== null) clearTimeout(w.timer);
    w.resolve();
  }

  apply(resources: readonly DecodedResource[], version: string): string | null {
    const dup = duplicateName(resources.map((r) => r.name));
    if (dup !== undefined) return `duplicate cluster load assignment ${dup} found`;
    const failures: string[] = [];
    const now = new Date();
    for (const r of resources) {
      const cla = r.message as ClusterLoadAssignment;
      // The schema first, as Envoy: its limits (priority <= 128 ...) keep the rest from building absurd tables.
      const errors: PathError[] = schemaErrors(ClusterLoadAssignmentSchema, cla);
      if (errors.length === 0) endpointsOf(cla, [], true, errors);
      if (errors.length > 0) {
        failures.push(`${r.name}: ${formatErrors(errors)}`);
        continue;
      }
      this.assignments.set(r.name, { version, resource: cla, lastUpdated: now });
      for (const c of this.clusters.get(r.name) ?? []) {
        const errs = c.updateLoadAssignment(cla);
        if (errs.length > 0) failures.push(`${r.name}: ${formatErrors(errs)}`);
        this.release(c);
      }
    }
    return failures.length > 0 ? failures.join(', ') : null;
  }
}
