// A live cluster: its info, hosts by priority (from the load assignment, DNS, EDS or the original
// destination), the load balancer over them, membership gauges, and one connection pool per host.
import type { Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { PathError } from '../bootstrap/config-error.js';
import { log } from '../log.js';
import type { StatsStore } from '../stats/store.js';
import { ClusterInfoImpl, DEFAULT_OVERPROVISIONING_FACTOR } from './cluster-info.js';
import { LogicalDnsDiscovery, StrictDnsDiscovery, type HostDiscovery, type HostSink } from './dns-discovery.js';
import type { LookupFn } from './dns-resolver.js';
import { endpointsOf } from './endpoints.js';
import type { EdsCluster, EdsSource } from './eds-source.js';
import { durationMs } from '../util/duration.js';
import { createHealthChecker, parseHealthChecks, realClock, type Clock, type HealthChecker } from './health/index.js';
import { HostImpl, hostKey } from './host.js';
import { consistentHashPickerFactory } from './lb/hash-lb-config.js';
import { LoadBalancer } from './lb/load-balancer.js';
import { leastRequestFactory } from './lb/least-request.js';
import { randomPicker } from './lb/random.js';
import { roundRobinPicker } from './lb/round-robin.js';
import type { PickerFactory } from './lb/types.js';
import { createConnPool, type ConnPoolImpl } from './pool/conn-pool.js';
import { OriginalDstBalancer, originalDstSettings, type OriginalDstMembership } from './original-dst.js';
import { OutlierDetectorImpl, parseOutlierDetection } from './outlier/index.js';
import { PrioritySet } from './priority-set.js';
import { HealthFlag, type Cluster, type ConnPool, type Host, type LoadBalancerContext } from './types.js';

/** What building a cluster needs besides its config. */
export interface ClusterDeps {
  readonly store: StatsStore;
  readonly lookup: LookupFn;
  readonly addedViaApi: boolean;
  /** Time for health checks and outlier detection (tests pass a ManualClock). */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for jitter and enforcement percentages. */
  readonly random?: () => number;
  /** Where EDS clusters get their assignments (the xDS client); without it they stay empty. */
  readonly eds?: EdsSource;
}

const IMPLEMENTED_LB = new Set(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV']);

/** The picker factory for the cluster's lb_policy (ROUND_ROBIN for the ones not implemented yet). */
function pickerFactory(info: ClusterInfoImpl, errors: PathError[]): PickerFactory {
  const hashing = consistentHashPickerFactory(info.config, info.stats.scope, errors);
  if (hashing !== null) return hashing;
  switch (info.lbPolicy) {
    case 'LEAST_REQUEST': return leastRequestFactory(info.choiceCount, info.activeRequestBias);
    case 'RANDOM': return randomPicker;
    default: return roundRobinPicker;
  }
}

/** Drains both priority pools of a host. */
function drainPools(h: HostImpl): void {
  (h.pool as ConnPoolImpl | null)?.drain();
  (h.highPool as ConnPoolImpl | null)?.drain();
}

/** One cluster; config errors land in the constructor's `errors` (paths relative to the cluster). */
export class ClusterImpl implements Cluster, HostSink, OriginalDstMembership, EdsCluster {
  readonly info: ClusterInfoImpl;
  readonly prioritySet = new PrioritySet();
  private readonly lb: LoadBalancer;
  private readonly lbSettings: { panicThreshold: number; failTrafficOnPanic: boolean; overprovisioningFactor: number;
    localityWeighted: boolean };
  private discovery: HostDiscovery | null = null;
  /** ORIGINAL_DST: the cluster-provided balancer that makes hosts on demand. */
  private originalDst: OriginalDstBalancer | null = null;
  /** STATIC hosts, applied by initialize(). */
  private staticHosts: HostImpl[] = [];
  private hostSet = new Set<HostImpl>();
  private stopped = false;
  /** Active health checking (health_checks), if configured. */
  readonly healthChecker: HealthChecker | null = null;
  /** Outlier detection (outlier_detection), if configured. */
  readonly outlierDetector: OutlierDetectorImpl | null = null;
  /** common_lb_config.ignore_new_hosts_until_first_hc: new hosts stay out until checked. */
  private readonly warmHosts: boolean;

  constructor(readonly config: ClusterConfig, private readonly deps: ClusterDeps, errors: PathError[]) {
    this.info = new ClusterInfoImpl(config, deps.store, deps.addedViaApi, errors);
    const clock = deps.clock ?? realClock;
    const random = deps.random ?? Math.random;
    const hc = parseHealthChecks(config, this.info.protocol, errors);
    const od = parseOutlierDetection(config, errors);
    const scope = this.info.stats.scope;
    // Created here (stats only), started by initialize(): validation builds clusters it never starts.
    if (hc !== null) this.healthChecker = createHealthChecker(hc, scope, this, clock, random);
    if (od !== null) this.outlierDetector = new OutlierDetectorImpl(od, scope, this, clock, random);
    if (this.healthChecker !== null) this.outlierDetector?.attachHealthChecker(this.healthChecker);
    this.warmHosts = config.commonLbConfig?.ignoreNewHostsUntilFirstHc === true;
    const zone = config.commonLbConfig?.localityConfigSpecifier;
    this.lbSettings = {
      panicThreshold: this.info.panicThreshold,
      failTrafficOnPanic: zone?.case === 'zoneAwareLbConfig' && zone.value.failTrafficOnPanic,
      overprovisioningFactor: config.loadAssignment?.policy?.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR,
      localityWeighted: zone?.case === 'localityWeightedLbConfig',
    };
    this.lb = new LoadBalancer(this.prioritySet, pickerFactory(this.info, errors), this.lbSettings, this.info.stats);
    this.setupDiscovery(errors);
  }

  private setupDiscovery(errors: PathError[]): void {
    const type = this.info.type;
    const cla = this.config.loadAssignment;
    const base = ['load_assignment'];
    if (type === 'EDS' && this.deps.eds !== undefined) {
      const eds = this.deps.eds;
      const warming = this.info.stats.warming_state;
      this.discovery = {
        start: () => {
          warming.set(1);
          return eds.attach(this).finally(() => warming.set(0));
        },
        stop: () => eds.detach(this),
      };
      return;
    }
    if (type === 'STATIC' || type === 'EDS') {
      // EDS clusters start empty and take assignments through updateLoadAssignment().
      const eps = type === 'STATIC' ? endpointsOf(cla, base, true, errors) : [];
      this.staticHosts = eps.map((e) => new HostImpl(e));
      return;
    }
    if (type === 'STRICT_DNS') {
      this.discovery = new StrictDnsDiscovery(this, endpointsOf(cla, base, false, errors), this.deps.lookup);
      return;
    }
    if (type === 'LOGICAL_DNS') {
      const eps = endpointsOf(cla, base, false, errors);
      const count = (cla?.endpoints ?? []).reduce((n, l) => n + l.lbEndpoints.length, 0);
      if (count !== 1 || (cla?.endpoints.length ?? 0) !== 1) {
        errors.push({ path: base, message: 'LOGICAL_DNS clusters must have a single locality_lb_endpoint and a '
          + 'single lb_endpoint' });
        return;
      }
      if (eps.length === 1) this.discovery = new LogicalDnsDiscovery(this, eps[0], this.deps.lookup);
      return;
    }
    if (type === 'ORIGINAL_DST') {
      const settings = originalDstSettings(this.config, this.info.lbPolicy, errors);
      this.originalDst = new OriginalDstBalancer(settings, this, this.info.stats);
    }
  }

  /** eds_cluster_config.service_name, else the cluster name (EdsCluster). */
  get edsServiceName(): string {
    const n = this.config.edsClusterConfig?.serviceName ?? '';
    return n !== '' ? n : this.info.name;
  }

  get addedViaApi(): boolean {
    return this.info.addedViaApi;
  }

  /** eds_config.initial_fetch_timeout (Envoy's default 15 s; 0 waits for ever). */
  get initialFetchTimeoutMs(): number {
    return durationMs(this.config.edsClusterConfig?.edsConfig?.initialFetchTimeout, 15_000);
  }

  get hostsByPriority(): readonly (readonly Host[])[] {
    return this.prioritySet.hostsByPriority;
  }

  // ---- what health checking and outlier detection ask of the cluster ----

  get clusterName(): string {
    return this.info.name;
  }

  get connectTimeoutMs(): number {
    return this.info.connectTimeoutMs;
  }

  /** A host's health flags changed (check result, ejection): rebuild the healthy sets. */
  onHostHealthChanged(): void {
    if (!this.stopped) this.refreshHealth();
  }

  /** Whether this cluster ever opened an upstream connection (health checks use no_traffic_interval until then). */
  hasTraffic(): boolean {
    return this.info.stats.upstream_cx_total.used;
  }

  /** Resolves once the first host discovery is done (DNS clusters), at once otherwise. */
  async initialize(): Promise<void> {
    // Warnings here, not in the constructor: validation builds clusters it never starts.
    const name = this.info.name;
    if (!IMPLEMENTED_LB.has(this.info.lbPolicy) && this.originalDst === null) {
      log('upstream', 'warning', `cluster '${name}': lb_policy ${this.info.lbPolicy} is not implemented yet; `
        + 'using ROUND_ROBIN');
    }
    const od = this.config.lbConfig;
    if (od.case === 'originalDstLbConfig' && od.value.metadataKey !== undefined) {
      log('upstream', 'warning', `cluster '${name}': original_dst_lb_config.metadata_key is not supported by Strait; `
        + 'it is ignored');
    }
    this.originalDst?.start();
    this.outlierDetector?.start();
    this.healthChecker?.start();
    // Hosts and gauges are applied here, not in the constructor, so a config that fails
    // validation never touches the stats of the cluster it would have replaced.
    if (this.discovery !== null) await this.discovery.start();
    else if (this.staticHosts.length > 0) this.setHosts(this.staticHosts);
    else this.publishGauges();
    // As Envoy, a health-checked cluster is warm once every host has had its first check.
    if (this.healthChecker !== null && !this.stopped) await this.healthChecker.initialChecks();
  }

  chooseHost(ctx: LoadBalancerContext): Host | null {
    if (this.originalDst !== null) return this.originalDst.chooseHost(ctx);
    return this.lb.chooseHost(ctx);
  }

  // ---- OriginalDstMembership ----

  addOriginalDstHost(host: HostImpl): void {
    this.setHosts([...this.hostSet, host]);
  }

  removeOriginalDstHosts(hosts: readonly HostImpl[]): void {
    const gone = new Set(hosts);
    this.setHosts([...this.hostSet].filter((h) => !gone.has(h)));
  }

  connPool(host: Host, priority: 0 | 1 = 0): ConnPool {
    const h = host as HostImpl;
    let pool = (priority === 0 ? h.pool : h.highPool) as ConnPoolImpl | null;
    if (pool === null || pool.isDraining) {
      pool = createConnPool(h, this.info, priority);
      if (priority === 0) h.pool = pool;
      else h.highPool = pool;
    }
    return pool;
  }

  refreshHealth(): void {
    this.prioritySet.refreshHealth();
    this.publishGauges();
    this.lb.rebuild();
  }

  /** Replaces the membership; removed hosts' pools drain (HostSink, also used by EDS). */
  setHosts(hosts: readonly HostImpl[]): void {
    if (this.stopped) return;
    const next = new Set(hosts);
    const removed: HostImpl[] = [];
    const added: HostImpl[] = [];
    for (const h of this.hostSet) {
      if (!next.has(h)) {
        removed.push(h);
        drainPools(h);
      }
    }
    for (const h of next) if (!this.hostSet.has(h)) added.push(h);
    if (this.healthChecker !== null) {
      // As Envoy: a health-checked host starts failed until its first check passes, and with
      // ignore_new_hosts_until_first_hc a discovered one is left out of balancing until then.
      const pending = this.warmHosts && this.info.type !== 'STATIC' ? HealthFlag.PendingActiveHc : 0;
      for (const h of added) h.healthFlags |= HealthFlag.FailedActiveHc | pending;
    }
    this.hostSet = next;
    this.prioritySet.update(hosts);
    if (added.length > 0 || removed.length > 0) this.info.stats.membership_change.inc();
    this.outlierDetector?.onHostsChanged(added, removed);
    this.healthChecker?.onHostsChanged(added, removed);
    this.publishGauges();
    this.lb.rebuild();
  }

  /** EDS: applies a ClusterLoadAssignment; returns its errors (nothing applied when there are any). */
  updateLoadAssignment(cla: ClusterLoadAssignment): PathError[] {
    const errors: PathError[] = [];
    const eps = endpointsOf(cla, [], true, errors);
    const stats = this.info.stats;
    stats.update_attempt.inc();
    if (errors.length > 0) return errors;
    stats.update_success.inc();
    if (eps.length === 0) stats.update_empty.inc();
    const factor = cla.policy?.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR;
    this.lbSettings.overprovisioningFactor = factor;
    const byKey = new Map<string, HostImpl>();
    for (const h of this.hostSet) byKey.set(`${h.key}/${h.priority}`, h);
    const hosts = eps.map((e) => {
      const old = byKey.get(`${hostKey(e.address, e.port)}/${e.priority}`);
      if (old === undefined || !old.sameAs(e)) return new HostImpl(e);
      old.healthFlags = (old.healthFlags & ~(HealthFlag.FailedEdsHealth | HealthFlag.DegradedEdsHealth)) | e.healthFlags;
      return old;
    });
    this.setHosts(hosts);
    return errors;
  }

  private publishGauges(): void {
    const stats = this.info.stats;
    let total = 0;
    let healthy = 0;
    let degraded = 0;
    let excluded = 0;
    let maxWeight = 0;
    for (const s of this.prioritySet.sets) {
      total += s.hosts.length;
      healthy += s.healthy.length;
      degraded += s.degraded;
      excluded += s.excluded;
      for (const h of s.hosts) if (h.weight > maxWeight) maxWeight = h.weight;
    }
    stats.membership_total.set(total);
    stats.membership_healthy.set(healthy);
    stats.membership_degraded.set(degraded);
    stats.membership_excluded.set(excluded);
    stats.max_host_weight.set(maxWeight);
  }

  /** Stops discovery and checks; pools finish their streams and close (CDS removal). */
  drain(): void {
    this.stopDiscovery();
    for (const h of this.hostSet) drainPools(h);
  }

  destroy(): void {
    this.stopDiscovery();
    for (const h of this.hostSet) {
      (h.pool as ConnPoolImpl | null)?.destroy();
      (h.highPool as ConnPoolImpl | null)?.destroy();
    }
  }

  private stopDiscovery(): void {
    this.stopped = true;
    this.discovery?.stop();
    this.originalDst?.stop();
    this.healthChecker?.stop();
    this.outlierDetector?.stop();
  }
}
