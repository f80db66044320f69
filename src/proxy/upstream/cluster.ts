// A live cluster: its info, hosts by priority (from the load assignment, DNS or EDS), the
// load balancer over them, membership gauges, and one connection pool per host.
import type { Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { PathError } from '../bootstrap/config-error.js';
import { log } from '../log.js';
import type { StatsStore } from '../stats/store.js';
import { ClusterInfoImpl, DEFAULT_OVERPROVISIONING_FACTOR } from './cluster-info.js';
import { LogicalDnsDiscovery, StrictDnsDiscovery, type HostDiscovery, type HostSink } from './dns-discovery.js';
import type { LookupFn } from './dns-resolver.js';
import { endpointsOf } from './endpoints.js';
import { HostImpl, hostKey } from './host.js';
import { LoadBalancer } from './lb/load-balancer.js';
import { leastRequestFactory } from './lb/least-request.js';
import { randomPicker } from './lb/random.js';
import { roundRobinPicker } from './lb/round-robin.js';
import type { PickerFactory } from './lb/types.js';
import { createConnPool, type ConnPoolImpl } from './pool/conn-pool.js';
import { PrioritySet } from './priority-set.js';
import { HealthFlag, type Cluster, type ConnPool, type Host, type LoadBalancerContext } from './types.js';

/** What building a cluster needs besides its config. */
export interface ClusterDeps {
  readonly store: StatsStore;
  readonly lookup: LookupFn;
  readonly addedViaApi: boolean;
}

const IMPLEMENTED_LB = new Set(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM']);

/** The picker factory for the cluster's lb_policy (ROUND_ROBIN for the ones not implemented yet). */
function pickerFactory(info: ClusterInfoImpl): PickerFactory {
  switch (info.lbPolicy) {
    case 'LEAST_REQUEST': return leastRequestFactory(info.choiceCount, info.activeRequestBias);
    case 'RANDOM': return randomPicker;
    default: return roundRobinPicker;
  }
}

/** One cluster; config errors land in the constructor's `errors` (paths relative to the cluster). */
export class ClusterImpl implements Cluster, HostSink {
  readonly info: ClusterInfoImpl;
  readonly prioritySet = new PrioritySet();
  private readonly lb: LoadBalancer;
  private readonly lbSettings: { panicThreshold: number; failTrafficOnPanic: boolean; overprovisioningFactor: number };
  private discovery: HostDiscovery | null = null;
  /** STATIC hosts, applied by initialize(). */
  private staticHosts: HostImpl[] = [];
  private hostSet = new Set<HostImpl>();
  private stopped = false;

  constructor(readonly config: ClusterConfig, private readonly deps: ClusterDeps, errors: PathError[]) {
    this.info = new ClusterInfoImpl(config, deps.store, deps.addedViaApi, errors);
    const zone = config.commonLbConfig?.localityConfigSpecifier;
    this.lbSettings = {
      panicThreshold: this.info.panicThreshold,
      failTrafficOnPanic: zone?.case === 'zoneAwareLbConfig' && zone.value.failTrafficOnPanic,
      overprovisioningFactor: config.loadAssignment?.policy?.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR,
    };
    this.lb = new LoadBalancer(this.prioritySet, pickerFactory(this.info), this.lbSettings, this.info.stats);
    this.setupDiscovery(errors);
  }

  private setupDiscovery(errors: PathError[]): void {
    const type = this.info.type;
    const cla = this.config.loadAssignment;
    const base = ['load_assignment'];
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
  }

  get hostsByPriority(): readonly (readonly Host[])[] {
    return this.prioritySet.hostsByPriority;
  }

  /** Resolves once the first host discovery is done (DNS clusters), at once otherwise. */
  async initialize(): Promise<void> {
    // Warnings here, not in the constructor: validation builds clusters it never starts.
    const name = this.info.name;
    if (!IMPLEMENTED_LB.has(this.info.lbPolicy)) {
      log('upstream', 'warning', `cluster '${name}': lb_policy ${this.info.lbPolicy} is not implemented yet; `
        + 'using ROUND_ROBIN');
    }
    if (this.info.type === 'ORIGINAL_DST') {
      log('upstream', 'warning', `cluster '${name}': ORIGINAL_DST clusters are not implemented yet; it has no hosts`);
    }
    const ts = this.config.transportSocket;
    if (ts !== undefined || this.config.transportSocketMatches.length > 0) {
      log('upstream', 'warning', `cluster '${name}': transport_socket ${ts?.name ?? '(matches)'} is not `
        + 'implemented yet; upstream connections are plaintext');
    }
    // Hosts and gauges are applied here, not in the constructor, so a config that fails
    // validation never touches the stats of the cluster it would have replaced.
    if (this.discovery !== null) await this.discovery.start();
    else if (this.staticHosts.length > 0) this.setHosts(this.staticHosts);
    else this.publishGauges();
  }

  chooseHost(ctx: LoadBalancerContext): Host | null {
    return this.lb.chooseHost(ctx);
  }

  connPool(host: Host): ConnPool {
    const h = host as HostImpl;
    let pool = h.pool as ConnPoolImpl | null;
    if (pool === null || pool.isDraining) {
      pool = createConnPool(h, this.info);
      h.pool = pool;
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
    let changed = next.size !== this.hostSet.size;
    for (const h of this.hostSet) {
      if (!next.has(h)) {
        changed = true;
        (h.pool as ConnPoolImpl | null)?.drain();
      }
    }
    this.hostSet = next;
    this.prioritySet.update(hosts);
    if (changed) this.info.stats.membership_change.inc();
    this.publishGauges();
    this.lb.rebuild();
  }

  /** EDS: applies a ClusterLoadAssignment; returns its errors (nothing applied when there are any). */
  updateLoadAssignment(cla: ClusterLoadAssignment): PathError[] {
    const errors: PathError[] = [];
    const eps = endpointsOf(cla, [], true, errors);
    if (errors.length > 0) return errors;
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

  /** Stops discovery; pools finish their streams and close (CDS removal). */
  drain(): void {
    this.stopDiscovery();
    for (const h of this.hostSet) (h.pool as ConnPoolImpl | null)?.drain();
  }

  destroy(): void {
    this.stopDiscovery();
    for (const h of this.hostSet) (h.pool as ConnPoolImpl | null)?.destroy();
  }

  private stopDiscovery(): void {
    this.stopped = true;
    this.discovery?.stop();
  }
}
