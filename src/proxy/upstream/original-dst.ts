// ORIGINAL_DST clusters (Envoy's OriginalDstCluster and its CLUSTER_PROVIDED balancer): a host is
// made on demand for the request's original destination and cleaned up when no longer used.
import { isIP } from 'node:net';
import type { Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { PathError } from '../bootstrap/config-error.js';
import type { ClusterStatsImpl } from './cluster-stats.js';
import { HostImpl, hostKey } from './host.js';
import type { LoadBalancerContext } from './types.js';

/** Envoy's default cleanup_interval. */
const DEFAULT_CLEANUP_INTERVAL_MS = 5000;
/** The request header naming the destination when use_http_header is set and no name is given. */
export const ORIGINAL_DST_HOST_HEADER = 'x-envoy-original-dst-host';

/** What the balancer asks of its cluster: membership changes. */
export interface OriginalDstMembership {
  addOriginalDstHost(host: HostImpl): void;
  removeOriginalDstHosts(hosts: readonly HostImpl[]): void;
}

/** The settings of an ORIGINAL_DST cluster, checked as Envoy's OriginalDstClusterFactory does. */
export interface OriginalDstSettings {
  /** Lower-case header carrying `ip:port`, or null without use_http_header. */
  readonly headerName: string | null;
  readonly portOverride: number | undefined;
  readonly cleanupIntervalMs: number;
}

/** Reads and checks an ORIGINAL_DST cluster's config; errors use Envoy's messages. */
export function originalDstSettings(config: ClusterConfig, lbPolicy: string, errors: PathError[]): OriginalDstSettings {
  if (lbPolicy !== 'CLUSTER_PROVIDED') {
    errors.push({ path: ['lb_policy'], message: `cluster: LB policy ${lbPolicy} is not valid for Cluster type `
      + 'ORIGINAL_DST. Only \'CLUSTER_PROVIDED\' is allowed with cluster type \'ORIGINAL_DST\'' });
  }
  if (config.loadAssignment !== undefined) {
    errors.push({ path: ['load_assignment'], message: 'ORIGINAL_DST clusters must have no load assignment configured' });
  }
  const lb = config.lbConfig.case === 'originalDstLbConfig' ? config.lbConfig.value : undefined;
  if (lb !== undefined && !lb.useHttpHeader && lb.httpHeaderName !== '') {
    errors.push({ path: ['original_dst_lb_config', 'http_header_name'], message: 'ORIGINAL_DST cluster: invalid config '
      + `http_header_name=${lb.httpHeaderName} and use_http_header is false. Set use_http_header to true if `
      + 'http_header_name is desired.' });
  }
  const d = config.cleanupInterval;
  return {
    headerName: lb?.useHttpHeader === true ? (lb.httpHeaderName !== '' ? lb.httpHeaderName.toLowerCase()
      : ORIGINAL_DST_HOST_HEADER) : null,
    portOverride: lb?.upstreamPortOverride,
    cleanupIntervalMs: d === undefined ? DEFAULT_CLEANUP_INTERVAL_MS
      : Math.max(1, Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6)),
  };
}

/** `ip:port` or `[ipv6]:port` as Envoy's parseInternetAddressAndPort; null when it is not one. */
export function parseIpPort(value: string): { address: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value);
  if (m === null) return null;
  const port = Number(m[2]);
  const v6 = value.startsWith('[');
  if (port > 65535 || isIP(m[1]) !== (v6 ? 6 : 4)) return null;
  return { address: m[1], port };
}

interface Entry {
  readonly host: HostImpl;
  /** Chosen since the last cleanup. */
  used: boolean;
}

/** The cluster-provided balancer and the host map of one ORIGINAL_DST cluster. */
export class OriginalDstBalancer {
  private readonly hosts = new Map<string, Entry>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly settings: OriginalDstSettings, private readonly membership: OriginalDstMembership,
    private readonly stats: ClusterStatsImpl) {}

  /**
   * The request's destination: the header (when configured), else the restored downstream local
   * address; null (no healthy upstream) when there is neither, as Envoy.
   */
  chooseHost(ctx: LoadBalancerContext | null): HostImpl | null {
    if (ctx === null) return null;
    let dst: { address: string; port: number } | null = null;
    const name = this.settings.headerName;
    if (name !== null) {
      const v = ctx.head.headers.get(name);
      if (v !== undefined) {
        dst = parseIpPort(v);
        if (dst === null) this.stats.original_dst_host_invalid.inc();
      }
    }
    if (dst === null && ctx.downstreamLocalAddress !== undefined && ctx.downstreamLocalAddress !== '') {
      dst = parseIpPort(ctx.downstreamLocalAddress);
    }
    if (dst === null) return null;
    if (this.settings.portOverride !== undefined) dst.port = this.settings.portOverride;
    const key = hostKey(dst.address, dst.port);
    const found = this.hosts.get(key);
    if (found !== undefined) {
      found.used = true;
      return found.host;
    }
    const host = new HostImpl({ address: dst.address, port: dst.port, hostname: '', weight: 1, priority: 0,
      locality: { region: '', zone: '', subZone: '' }, healthFlags: 0 });
    this.hosts.set(key, { host, used: true });
    this.membership.addOriginalDstHost(host);
    return host;
  }

  /** Starts the cleanup_interval timer. */
  start(): void {
    if (this.timer === null) {
      this.timer = setInterval(() => this.cleanup(), this.settings.cleanupIntervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /**
   * One cleanup pass: a host chosen since the last pass, or one whose pool still has connections
   * (Envoy relies on the pools' idle timeout), stays; the others leave the cluster.
   */
  cleanup(): void {
    const removed: HostImpl[] = [];
    for (const [key, e] of this.hosts) {
      if (e.used) {
        e.used = false;
        continue;
      }
      if (e.host.stats.cx_active > 0 || e.host.stats.rq_active > 0) continue;
      this.hosts.delete(key);
      removed.push(e.host);
    }
    if (removed.length > 0) this.membership.removeOriginalDstHosts(removed);
  }

  /** The hosts the cluster has now. */
  get size(): number {
    return this.hosts.size;
  }
}
