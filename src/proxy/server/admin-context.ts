// The admin API's view of a running ProxyServer (AdminContext): stats, clusters, listeners,
// config dump, server info, health-check and drain controls.
import { toJson } from '@bufbuild/protobuf';
import { NodeSchema } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { registry } from '../../xds/registry.js';
import type { AdminContext, AdminListenerInfo, AdminOutlierView, AdminRuntimeLayer, AdminServerInfo, AdminServerState,
  ConfigDumpQuery, DrainListenersOptions } from '../admin/types.js';
import type { StatsSnapshot, StatsSource } from '../stats/snapshot.js';
import type { WorkerPool } from './workers.js';
import type { Cluster } from '../upstream/types.js';
import { defaultAccessLogManager } from '../accesslog/index.js';
import { logLevels, setAllLogLevels, setLogLevel } from '../log.js';
import { LOG_LEVELS, type LogLevel } from './options.js';
import { buildConfigDump } from './config-dump.js';
import { dynamicDump } from '../xds/config-dump.js';
import { outlierAdminView } from '../upstream/outlier/admin-view.js';
import type { ProxyServer } from './server.js';
import { STRAIT_VERSION } from './version.js';
import { runtime } from '../runtime/runtime.js';
import { contextCertificates } from '../tls/cert-details.js';
import { liveTlsContexts } from '../tls/secret-backed.js';

/** AdminContext over one ProxyServer. */
export class ServerAdminContext implements AdminContext {
  private readonly loadedAt = new Date();
  private merged: StatsSnapshot | null = null;
  /** Present with --concurrency N: gathers the workers' state before each admin request. */
  readonly refresh?: () => Promise<void>;
  /** POST /runtime_modify; absent without an admin layer (the endpoint then answers 503). */
  readonly runtimeModify?: (overrides: Record<string, string>) => void;

  constructor(private readonly server: ProxyServer, private readonly onQuit: () => void,
    private readonly workers: WorkerPool | null = null) {
    if (runtime.hasAdminLayer) this.runtimeModify = (overrides) => runtime.adminModify(overrides);
    if (workers !== null) {
      this.refresh = async () => {
        this.merged = await workers.refresh();
      };
    }
  }

  stats(): StatsSource {
    return this.merged ?? this.server.stats;
  }

  clusters(): Iterable<Cluster> {
    return this.server.clusterManager.clusters();
  }

  outlierDetector(cluster: Cluster): AdminOutlierView | null {
    return outlierAdminView(cluster);
  }

  listeners(): AdminListenerInfo[] {
    const workers = this.workers;
    const list = workers !== null ? this.server.bootstrap.staticResources?.listeners ?? []
      : this.server.allListeners().map((l) => l.config);
    return list.map((cfg) => {
      const bound = workers !== null ? workers.ports[cfg.name]
        : this.server.allListeners().find((l) => l.name === cfg.name)?.boundPort;
      const a = cfg.address?.address;
      const host = a?.case === 'socketAddress' ? a.value.address : '';
      const port = bound ?? 0;
      const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      return { name: cfg.name, address, socketAddress: { address: host, port_value: port } };
    });
  }

  configDump(query: ConfigDumpQuery): unknown {
    const xds = this.server.xds;
    return buildConfigDump(this.server.bootstrap, this.loadedAt, query, xds !== null ? dynamicDump(xds) : undefined);
  }

  serverInfo(): AdminServerInfo {
    const o = this.server.options;
    const up = this.server.serverStats.uptimeSeconds();
    const node = this.server.localNode;
    return {
      version: STRAIT_VERSION,
      hotRestartVersion: 'disabled',
      uptimeCurrentEpochSeconds: up,
      uptimeAllEpochsSeconds: up,
      commandLineOptions: {
        concurrency: o.concurrency,
        config_path: o.configPath ?? '',
        config_yaml: o.configYaml ?? '',
        log_level: o.logLevel,
        service_cluster: o.serviceCluster ?? '',
        service_node: o.serviceNode ?? '',
        drain_time: `${o.drainTimeS}s`,
        parent_shutdown_time: `${o.parentShutdownTimeS}s`,
        mode: 'Serve',
      },
      node: toJson(NodeSchema, node, { registry, useProtoFieldName: true }) as Record<string, unknown>,
    };
  }

  state(): AdminServerState {
    return this.server.effectiveState();
  }

  setHealthCheckFailed(failed: boolean): void {
    this.server.healthCheckFailed = failed;
  }

  drainListeners(opts: DrainListenersOptions): void {
    this.server.drainListeners(opts.inboundOnly);
  }

  quit(): void {
    this.onQuit();
  }

  logLevels(): Record<string, string> {
    return logLevels();
  }

  setLogLevel(level: string, logger?: string): boolean {
    const l = (level === 'warn' ? 'warning' : level) as LogLevel;
    if (!LOG_LEVELS.includes(l)) return false;
    if (logger === undefined) {
      setAllLogLevels(l);
      return true;
    }
    return setLogLevel(logger, l);
  }

  runtime(): AdminRuntimeLayer[] {
    return runtime.view();
  }

  resetCounters(): void {
    this.server.stats.resetCounters();
  }

  certs(): unknown[] {
    return liveTlsContexts().map((c) => contextCertificates(c));
  }

  reopenLogs(): void {
    defaultAccessLogManager.reopen();
  }
}
