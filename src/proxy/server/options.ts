// Options of one proxy process, from the `strait proxy` command line (Envoy's flags).
// The bootstrap is already parsed and validated when these reach the server.
import type { Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';

/** Envoy's log levels, lowest first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything `strait proxy` passes to the server. */
export interface ProxyOptions {
  bootstrap: Bootstrap;
  /** --config-path, if given (shown in /server_info and config errors). */
  configPath?: string;
  /** --config-yaml, if given. */
  configYaml?: string;
  /** --concurrency: worker count (default 1 here; Envoy defaults to the core count). */
  concurrency: number;
  logLevel: LogLevel;
  /** --service-cluster / --service-node: override bootstrap node.cluster / node.id. */
  serviceCluster?: string;
  serviceNode?: string;
  /** --drain-time-s (default 600). */
  drainTimeS: number;
  /** --admin-address-path: the admin's bound `ip:port` is written there (tests use port 0). */
  adminAddressPath?: string;
  /** --parent-shutdown-time-s (default 900). */
  parentShutdownTimeS: number;
}
