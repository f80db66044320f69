// Test doubles for the admin: plain-object clusters and hosts satisfying the upstream types,
// and an AdminContext over a real StatsStore that records what handlers asked it to do.
import type { Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { StatsStore } from '../stats/store.js';
import type { Cluster, ClusterStats, Host, HostStats, Resource, ResourceManager } from '../upstream/types.js';
import type { AdminContext, AdminRuntimeLayer, AdminServerState, DrainListenersOptions } from './types.js';

function resource(max: number): Resource {
  return { max, count: 0, canCreate: () => true, inc: () => undefined, dec: () => undefined };
}

/** Circuit breakers with the given maxima. */
export function fakeResourceManager(cx = 1024, pending = 1024, rq = 1024, retries = 3): ResourceManager {
  return { connections: resource(cx), pendingRequests: resource(pending), requests: resource(rq), retries: resource(retries),
    connectionPools: resource(0xffffffff) } as ResourceManager;
}

/** A host with zeroed stats unless given. */
export function fakeHost(address: string, port: number, over: Partial<Omit<Host, 'stats'>> & { stats?: Partial<HostStats> } = {}): Host {
  const stats: HostStats = { cx_active: 0, cx_connect_fail: 0, cx_total: 0, rq_active: 0, rq_error: 0, rq_success: 0,
    rq_timeout: 0, rq_total: 0, ...over.stats };
  return {
    address, port, key: address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`,
    hostname: '', weight: 1, priority: 0, locality: { region: '', zone: '', subZone: '' }, healthFlags: 0,
    ...over, stats,
  };
}

/** A cluster holding `hosts` (all in priority 0 unless given per priority). */
export function fakeCluster(name: string, hostsByPriority: Host[][], opts: {
  altStatName?: string; edsServiceName?: string; addedViaApi?: boolean; high?: ResourceManager;
} = {}): Cluster {
  const config = { name, altStatName: opts.altStatName ?? '',
    edsClusterConfig: opts.edsServiceName ? { serviceName: opts.edsServiceName } : undefined } as unknown as ClusterConfig;
  // Cast: the upstream contract keeps growing; the admin reads only the fields set here.
  return {
    info: {
      name, config, type: 'STATIC', connectTimeoutMs: 5000, protocol: 'HTTP/1.1', addedViaApi: opts.addedViaApi ?? false,
      stats: {} as ClusterStats, resourceManagers: [fakeResourceManager(), opts.high ?? fakeResourceManager()],
      maxRequestsPerConnection: 0, statName: opts.altStatName || name, lbPolicy: 'ROUND_ROBIN', idleTimeoutMs: 3600000,
      maxConcurrentStreams: 2147483647, edsServiceName: opts.edsServiceName ?? '',
    },
    hostsByPriority,
    chooseHost: () => null,
    connPool: () => { throw new Error('no pools in admin tests'); },
    refreshHealth: () => undefined,
    destroy: () => undefined,
  } as unknown as Cluster;
}

/** A context over a real store; fields record the mutating calls. */
export class FakeAdminContext implements AdminContext {
  readonly store = new StatsStore();
  clusterList: Cluster[] = [];
  healthCheckFailed = false;
  quitCalls = 0;
  drains: DrainListenersOptions[] = [];
  levels: Record<string, string> = { admin: 'info', config: 'info', upstream: 'info' };
  runtimeLayers: AdminRuntimeLayer[] = [];
  source: AdminContext['stats'] = () => this.store;
  outlierDetector?: AdminContext['outlierDetector'];

  stats(): ReturnType<AdminContext['stats']> {
    return this.source();
  }
  clusters(): Iterable<Cluster> {
    return this.clusterList;
  }
  listeners(): ReturnType<AdminContext['listeners']> {
    return [{ name: 'listener_0', address: '0.0.0.0:10000', socketAddress: { address: '0.0.0.0', port_value: 10000 } }];
  }
  configDump(): unknown {
    return { configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: {} }] };
  }
  serverInfo(): ReturnType<AdminContext['serverInfo']> {
    return { version: 'test/0.1.0', uptimeCurrentEpochSeconds: 12, uptimeAllEpochsSeconds: 12,
      commandLineOptions: { base_id: '0', concurrency: 1 }, node: { id: 'node-1', cluster: 'c1' } };
  }
  state(): AdminServerState {
    return this.healthCheckFailed ? 'DRAINING' : 'LIVE';
  }
  setHealthCheckFailed(failed: boolean): void {
    this.healthCheckFailed = failed;
  }
  drainListeners(opts: DrainListenersOptions): void {
    this.drains.push(opts);
  }
  quit(): void {
    this.quitCalls++;
  }
  logLevels(): Record<string, string> {
    return { ...this.levels };
  }
  setLogLevel(level: string, logger?: string): boolean {
    if (logger === undefined) {
      for (const k of Object.keys(this.levels)) this.levels[k] = level;
      return true;
    }
    if (!(logger in this.levels)) return false;
    this.levels[logger] = level;
    return true;
  }
  runtime(): AdminRuntimeLayer[] {
    return this.runtimeLayers;
  }
  resetCounters(): void {
    this.store.resetCounters();
  }
  certs(): unknown[] {
    return [];
  }
}
