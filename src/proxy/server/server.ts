// The proxy server: owns stats, clusters, listeners and the admin API of one process.
// Start order as Envoy's: clusters initialise first, then listeners, then the server is LIVE.
import type { Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import type { RdsRequest } from '../http/conn-manager/hcm-factory.js';
import { StatsStore } from '../stats/store.js';
import type { ClusterManager } from '../upstream/types.js';
import { createClusterManager } from '../upstream/cluster-manager.js';
import { ActiveListener } from '../listener/listener.js';
import { log } from '../log.js';
import type { ProxyOptions } from './options.js';
import { ServerStats, type ServerState } from './server-stats.js';
import { isWorker } from './workers.js';
import { runtime } from '../runtime/runtime.js';
import { adsSettings, XdsConfigError } from '../xds/ads-config.js';
import { XdsRuntime } from '../xds/xds-runtime.js';
import { STRAIT_VERSION } from './version.js';
import type { Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { clientNode } from '../../xds/client/index.js';
import { closeTracers, setBootstrapTracingProvider } from '../tracing/provider.js';
import { secretManager } from '../secret/secret-manager.js';

/** How often gauges refresh and histogram intervals roll (Envoy's stats_flush_interval, 5 s). */
const FLUSH_MS = 5000;

/** One proxy process. */
export class ProxyServer {
  readonly stats = new StatsStore();
  readonly serverStats: ServerStats;
  readonly listeners: ActiveListener[] = [];
  clusterManager!: ClusterManager;
  /** The xDS client and what it applies, when the bootstrap has dynamic_resources. */
  xds: XdsRuntime | null = null;
  state: ServerState = 'PRE_INITIALIZING';
  /** Set by POST /healthcheck/fail; /ready then answers DRAINING. */
  healthCheckFailed = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

  /** Envoy's local node: the bootstrap node with --service-node/--service-cluster and the user agent. */
  readonly localNode: Node;

  constructor(readonly options: ProxyOptions) {
    this.serverStats = new ServerStats(this.stats, options.concurrency);
    this.localNode = clientNode(options.bootstrap.node, { serviceNode: options.serviceNode,
      serviceCluster: options.serviceCluster, version: STRAIT_VERSION.split('/')[1] ?? '0.0.0' });
  }

  get bootstrap(): Bootstrap {
    return this.options.bootstrap;
  }

  /**
   * Initialises clusters, binds listeners; rejects on a bind error. With `bindListeners` false (the
   * primary of --concurrency N) the workers serve the listeners.
   */
  async start(bindListeners = true): Promise<void> {
    this.state = 'INITIALIZING';
    this.startRuntime();
    const ads = adsSettings(this.bootstrap);
    if (ads !== null && this.options.concurrency > 1) {
      throw new XdsConfigError('', 'dynamic_resources with --concurrency above 1 is not supported by Strait yet');
    }
    const xds = ads === null ? null : new XdsRuntime(ads, this.localNode, this.stats, this.options.drainTimeS * 1000);
    this.xds = xds;
    secretManager.configure({ bootstrap: this.bootstrap, node: this.localNode, ads: xds?.client ?? null, connect: true });
    const clusters = this.bootstrap.staticResources?.clusters ?? [];
    const cm = await createClusterManager(clusters, this.stats, { eds: xds?.eds });
    this.clusterManager = cm;
    setBootstrapTracingProvider(cm, this.bootstrap.tracing?.http);
    const listeners = bindListeners ? this.bootstrap.staticResources?.listeners ?? [] : [];
    const staticRdsNames: string[] = [];
    const rds = xds === null ? undefined : (req: RdsRequest) => {
      const provider = xds.rds.forHcm(req);
      staticRdsNames.push(req.name);
      return provider;
    };
    for (let i = 0; i < listeners.length; i++) {
      const listener = new ActiveListener(listeners[i], { clusterManager: this.clusterManager, stats: this.stats, rds, localNode: this.localNode },
        `.static_resources.listeners[${i}]`);
      await listener.start();
      this.listeners.push(listener);
    }
    const configured = this.bootstrap.staticResources?.listeners.length ?? 0;
    if (!isWorker()) {
      this.stats.gauge('listener_manager.total_listeners_active').set(configured);
      this.stats.counter('listener_manager.listener_added').inc(configured);
      this.stats.counter('listener_manager.listener_create_success').inc(configured);
    }
    this.flushTimer = setInterval(() => this.flush(), FLUSH_MS);
    this.flushTimer.unref();
    log('main', 'info', 'starting main dispatch loop');
    if (xds === null) {
      // Static TLS contexts that take SDS secrets warm first, as Envoy's init manager waits for them.
      void secretManager.whenReady().then(() => this.goLive());
      return;
    }
    // As Envoy, the admin answers while the first CDS/LDS responses are awaited; then LIVE.
    this.serverStats.refresh(this.state);
    const staticNames = (this.bootstrap.staticResources?.listeners ?? []).map((l) => l.name);
    void xds.start(cm, staticNames, staticRdsNames)
      .then(() => secretManager.whenReady())
      .then(() => this.goLive());
  }

  private goLive(): void {
    if (this.state !== 'INITIALIZING') return;
    this.state = 'LIVE';
    this.serverStats.refresh(this.state);
    if (this.xds !== null) log('main', 'info', 'all dependencies initialized. starting workers');
  }

  /** Static and dynamic listeners that own a socket. */
  allListeners(): ActiveListener[] {
    return [...this.listeners, ...(this.xds?.lds?.listeners() ?? [])];
  }

  /** Loads layered_runtime and keeps Envoy's runtime.* gauges current. */
  private startRuntime(): void {
    const scope = this.stats.scope('runtime');
    const loads = scope.counter('load_success');
    const keys = scope.gauge('num_keys');
    const layers = scope.gauge('num_layers');
    const overrides = scope.gauge('admin_overrides_active');
    runtime.onChange = () => {
      loads.inc();
      keys.set(runtime.numKeys);
      layers.set(runtime.numLayers);
      overrides.set(runtime.adminOverrides);
    };
    runtime.configure(this.bootstrap.layeredRuntime, this.options.serviceCluster ?? this.bootstrap.node?.cluster ?? '');
  }

  private flush(): void {
    this.serverStats.refresh(this.effectiveState());
    this.stats.flushIntervals();
  }

  /** The state /ready and /server_info report. */
  effectiveState(): ServerState {
    return this.healthCheckFailed && this.state === 'LIVE' ? 'DRAINING' : this.state;
  }

  /** POST /drain_listeners: stop accepting (and drain open connections). */
  drainListeners(inboundOnly: boolean): void {
    for (const l of this.allListeners()) {
      if (inboundOnly && l.config.trafficDirection !== 1) continue;
      l.stopListening();
      l.drainConnections();
    }
  }

  /** Stops everything; resolves when sockets are closed (or after the drain time). */
  stop(): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    this.state = 'DRAINING';
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    runtime.close();
    secretManager.close();
    const closeAll = Promise.all([...this.listeners.map((l) => l.close()), this.xds?.close()]).then(() => undefined);
    const limit = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    this.stopping = Promise.race([closeAll, limit]).then(() => {
      if (this.clusterManager !== undefined) closeTracers(this.clusterManager);
      for (const c of this.clusterManager?.clusters() ?? []) c.destroy();
    });
    return this.stopping;
  }
}
