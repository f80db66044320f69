// What the admin API needs from the proxy: a narrow context the server (or a test) implements,
// so the admin renders Envoy's formats without knowing how the proxy is built.
import type { StatsSource } from '../stats/snapshot.js';
import type { TagProducer } from '../stats/tag-extractor.js';
import type { Cluster, Host } from '../upstream/types.js';

/** Envoy's server states (envoy.admin.v3.ServerInfo.State). */
export type AdminServerState = 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING' | 'INITIALIZING';

/** One listen socket of a listener, for `/listeners`. */
export interface AdminListenerInfo {
  name: string;
  /** `ip:port` (IPv6 as `[ip]:port`), as Envoy prints the socket address. */
  address: string;
  socketAddress: { address: string; port_value: number };
}

/** Facts for `/server_info` (state comes from AdminContext.state()). */
export interface AdminServerInfo {
  /** e.g. `<sha>/1.0.0/Clean/RELEASE/BoringSSL`-like build string. */
  version: string;
  /** Hot restart is not supported: Envoy then reports "disabled". */
  hotRestartVersion?: string;
  uptimeCurrentEpochSeconds: number;
  uptimeAllEpochsSeconds: number;
  /** envoy.admin.v3.CommandLineOptions as proto3 JSON (snake_case keys). */
  commandLineOptions: Record<string, unknown>;
  /** envoy.config.core.v3.Node as proto3 JSON. */
  node: Record<string, unknown>;
}

/** One runtime layer for `/runtime`. */
export interface AdminRuntimeLayer {
  name: string;
  values: Record<string, string>;
}

/** Options of POST /drain_listeners. */
export interface DrainListenersOptions {
  inboundOnly: boolean;
  graceful: boolean;
  skipExit: boolean;
}

/** Query of `/config_dump`. */
export interface ConfigDumpQuery {
  resource?: string;
  mask?: string;
  nameRegex?: string;
  includeEds: boolean;
}

/** Outlier-detection numbers `/clusters` prints for a cluster that has a detector. */
export interface AdminOutlierView {
  /** Success-rate average / ejection threshold; -1 when not computed. */
  successRateAverage: number;
  successRateEjectionThreshold: number;
  localOriginSuccessRateAverage: number;
  localOriginSuccessRateEjectionThreshold: number;
  /** A host's success rate (percent), -1 when not computed. */
  hostSuccessRate(host: Host): number;
  hostLocalOriginSuccessRate(host: Host): number;
}

/** An error a context method may throw to answer with a given status and body. */
export class AdminHttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Everything the admin handlers read or change. */
export interface AdminContext {
  /** The stats to show: a live store, or the merged snapshot of all workers. */
  stats(): StatsSource;
  /** Tag extraction for Prometheus names (bootstrap stats_config); Envoy's defaults when absent. */
  tagProducer?(): TagProducer;
  /** Active clusters, in a stable order. */
  clusters(): Iterable<Cluster>;
  /** Outlier detector of a cluster, if it has one. */
  outlierDetector?(cluster: Cluster): AdminOutlierView | null;
  listeners(): AdminListenerInfo[];
  /** The config dump object ({"configs": [...]}), rendered pretty; may throw AdminHttpError. */
  configDump(query: ConfigDumpQuery): unknown;
  serverInfo(): AdminServerInfo;
  state(): AdminServerState;
  setHealthCheckFailed(failed: boolean): void;
  drainListeners(opts: DrainListenersOptions): void;
  /** Called after the `OK` reply to POST /quitquitquit has been sent. */
  quit(): void;
  /** Logger name -> level, in the order `/logging` lists them. */
  logLevels(): Record<string, string>;
  /** Sets one logger (or all when `logger` is absent); false when the logger is unknown. */
  setLogLevel(level: string, logger?: string): boolean;
  runtime(): AdminRuntimeLayer[];
  /** POST /runtime_modify; absent means the endpoint answers 503 as a read-only runtime. */
  runtimeModify?(overrides: Record<string, string>): void;
  resetCounters(): void;
  /** envoy.admin.v3.Certificate objects as proto3 JSON. */
  certs(): unknown[];
  /** POST /reopen_logs. */
  reopenLogs?(): void;
  /** Called before each request: gathers state held elsewhere (the workers of --concurrency N). */
  refresh?(): Promise<void>;
}
