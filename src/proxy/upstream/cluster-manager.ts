// The cluster manager: builds every cluster from its config, waits for their first host discovery
// (Envoy's cluster initialisation), and adds, replaces or removes clusters later (CDS).
import { equals } from '@bufbuild/protobuf';
import { ClusterSchema, type Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ProxyConfigError, formatPath, type PathError, type PathSeg } from '../bootstrap/config-error.js';
import { StatsStore, type Counter, type Gauge } from '../stats/store.js';
import { ClusterImpl } from './cluster.js';
import { systemLookup, type LookupFn } from './dns-resolver.js';
import type { Clock } from './health/clock.js';
import type { ClusterManager } from './types.js';
import type { EdsSource } from './eds-source.js';

/** Options of createClusterManager. */
export interface ClusterManagerOptions {
  /** DNS lookup for STRICT_DNS/LOGICAL_DNS clusters (default: the system resolver). */
  readonly lookup?: LookupFn;
  /** Where the clusters sit in the config, for error paths (default `.static_resources.clusters`). */
  readonly pathPrefix?: readonly PathSeg[];
  /** Time for health checks and outlier detection (default: the real clock; tests pass a ManualClock). */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for jitter and enforcement (default Math.random). */
  readonly random?: () => number;
  /** Where EDS clusters get their assignments (the proxy's xDS client). */
  readonly eds?: EdsSource;
}

/** A cluster config that cannot be used; `errors` carry field paths. */
export class ClusterConfigError extends ProxyConfigError {
  constructor(readonly errors: readonly PathError[]) {
    super(errors.map((e) => `${formatPath(e.path)}: ${e.message}`).join('\n'));
    this.name = 'ClusterConfigError';
  }
}

/** Envoy's `cluster_manager.*` stats. */
class ClusterManagerStats {
  readonly cluster_added: Counter;
  readonly cluster_modified: Counter;
  readonly cluster_removed: Counter;
  readonly cluster_updated: Counter;
  readonly cluster_updated_via_merge: Counter;
  readonly update_merge_cancelled: Counter;
  readonly update_out_of_merge_window: Counter;
  readonly active_clusters: Gauge;
  readonly warming_clusters: Gauge;

  constructor(store: StatsStore) {
    const s = store.scope('cluster_manager');
    this.cluster_added = s.counter('cluster_added');
    this.cluster_modified = s.counter('cluster_modified');
    this.cluster_removed = s.counter('cluster_removed');
    this.cluster_updated = s.counter('cluster_updated');
    this.cluster_updated_via_merge = s.counter('cluster_updated_via_merge');
    this.update_merge_cancelled = s.counter('update_merge_cancelled');
    this.update_out_of_merge_window = s.counter('update_out_of_merge_window');
    this.active_clusters = s.gauge('active_clusters', 'never');
    this.warming_clusters = s.gauge('warming_clusters', 'never');
  }
}

/** Every cluster of the proxy. */
export class ClusterManagerImpl implements ClusterManager {
  private readonly active = new Map<string, ClusterImpl>();
  /** The newest config per name still initialising (its first DNS answer pending). */
  private readonly warming = new Map<string, ClusterImpl>();
  private readonly cmStats: ClusterManagerStats;
  private readonly lookup: LookupFn;
  private readonly clock: Clock | undefined;
  private readonly random: (() => number) | undefined;
  private readonly eds: EdsSource | undefined;

  constructor(private readonly store: StatsStore, opts: ClusterManagerOptions = {}) {
    this.cmStats = new ClusterManagerStats(store);
    this.lookup = opts.lookup ?? systemLookup;
    this.clock = opts.clock;
    this.random = opts.random;
    this.eds = opts.eds;
  }

  get(name: string): ClusterImpl | undefined {
    return this.active.get(name);
  }

  /** Whether a cluster of this name is warming (CDS added it, its first hosts are pending). */
  isWarming(name: string): boolean {
    return this.warming.has(name);
  }

  clusters(): Iterable<ClusterImpl> {
    return this.active.values();
  }

  /** Builds a cluster or throws ClusterConfigError (paths relative to the cluster, under `prefix`). */
  private build(config: ClusterConfig, addedViaApi: boolean, prefix: readonly PathSeg[]): ClusterImpl {
    const errors: PathError[] = [];
    if (config.name === '') errors.push({ path: ['name'], message: 'a cluster needs a name' });
    const cluster = new ClusterImpl(config, { store: this.store, lookup: this.lookup, addedViaApi, clock: this.clock,
      random: this.random, eds: this.eds }, errors);
    if (errors.length > 0) {
      cluster.destroy();
      throw new ClusterConfigError(errors.map((e) => ({ ...e, path: [...prefix, ...e.path] })));
    }
    return cluster;
  }

  /** Static clusters: validates all of them first, then initialises them together. */
  async addStatic(configs: readonly ClusterConfig[], prefix: readonly PathSeg[]): Promise<void> {
    const errors: PathError[] = [];
    const built: ClusterImpl[] = [];
    const seen = new Set<string>();
    configs.forEach((c, i) => {
      if (seen.has(c.name)) {
        errors.push({ path: [...prefix, i, 'name'], message: `cluster manager: duplicate cluster '${c.name}'` });
        return;
      }
      seen.add(c.name);
      try {
        built.push(this.build(c, false, [...prefix, i]));
      } catch (e) {
        if (!(e instanceof ClusterConfigError)) throw e;
        errors.push(...e.errors);
      }
    });
    if (errors.length > 0) {
      for (const c of built) c.destroy();
      throw new ClusterConfigError(errors);
    }
    await Promise.all(built.map((c) => this.warmAndActivate(c, false)));
  }

  async addOrUpdateCluster(config: ClusterConfig, addedViaApi = true): Promise<boolean> {
    // As Envoy: CDS cannot replace a cluster from static_resources.
    if (addedViaApi && this.active.get(config.name)?.info.addedViaApi === false) return false;
    const current = this.warming.get(config.name) ?? this.active.get(config.name);
    if (current !== undefined && equals(ClusterSchema, current.config, config)) return false;
    const cluster = this.build(config, addedViaApi, []);
    await this.warmAndActivate(cluster, this.active.has(config.name));
    return true;
  }

  private async warmAndActivate(cluster: ClusterImpl, replacing: boolean): Promise<void> {
    const name = cluster.info.name;
    const superseded = this.warming.get(name);
    superseded?.destroy();
    this.warming.set(name, cluster);
    this.cmStats.warming_clusters.set(this.warming.size);
    await cluster.initialize();
    if (this.warming.get(name) !== cluster) return; // a newer config for this name arrived meanwhile
    this.warming.delete(name);
    this.cmStats.warming_clusters.set(this.warming.size);
    const old = this.active.get(name);
    this.active.set(name, cluster);
    old?.drain();
    if (replacing || old !== undefined) this.cmStats.cluster_modified.inc();
    else this.cmStats.cluster_added.inc();
    this.cmStats.active_clusters.set(this.active.size);
  }

  removeCluster(name: string): boolean {
    if (this.active.get(name)?.info.addedViaApi === false) return false;
    const warming = this.warming.get(name);
    if (warming !== undefined) {
      warming.destroy();
      this.warming.delete(name);
      this.cmStats.warming_clusters.set(this.warming.size);
    }
    const c = this.active.get(name);
    if (c === undefined) return warming !== undefined;
    this.active.delete(name);
    c.drain();
    this.cmStats.cluster_removed.inc();
    this.cmStats.active_clusters.set(this.active.size);
    return true;
  }

  /** Closes every cluster's connections and stops DNS refreshes. */
  destroy(): void {
    for (const c of this.warming.values()) c.destroy();
    for (const c of this.active.values()) c.destroy();
  }
}

/** The config errors of one cluster (paths relative to it), without starting anything: for validation. */
export function clusterConfigErrors(config: ClusterConfig): PathError[] {
  const errors: PathError[] = [];
  if (config.name === '') errors.push({ path: ['name'], message: 'a cluster needs a name' });
  const scratch = new StatsStore();
  new ClusterImpl(config, { store: scratch, lookup: systemLookup, addedViaApi: false }, errors).destroy();
  return errors;
}

/**
 * Builds the proxy's clusters; resolves after every DNS cluster's first lookup. Rejects with a
 * ClusterConfigError (paths like `.static_resources.clusters[0].load_assignment...`) on bad config.
 */
export async function createClusterManager(clusters: readonly ClusterConfig[], stats: StatsStore,
  opts: ClusterManagerOptions = {}): Promise<ClusterManagerImpl> {
  const cm = new ClusterManagerImpl(stats, opts);
  await cm.addStatic(clusters, opts.pathPrefix ?? ['static_resources', 'clusters']);
  return cm;
}
