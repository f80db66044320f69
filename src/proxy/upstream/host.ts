// One upstream endpoint (Envoy's HostImpl): address, weight, priority, locality, health flags,
// per-host stats, and the connection pool the cluster keeps for it.
import { equals } from '@bufbuild/protobuf';
import { MetadataSchema, type Metadata } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { HealthFlag, type ConnPool, type Host, type HostHealthCheckMonitor, type HostOutlierMonitor, type HostStats }
  from './types.js';

/** Flags that make a host unhealthy (Envoy's coarse health UNHEALTHY). */
export const UNHEALTHY_FLAGS = HealthFlag.FailedActiveHc | HealthFlag.FailedOutlierCheck | HealthFlag.FailedEdsHealth
  | HealthFlag.ActiveHcTimeout;
/** Flags that make a host degraded: used only when healthy hosts are not enough. */
export const DEGRADED_FLAGS = HealthFlag.DegradedActiveHc | HealthFlag.DegradedEdsHealth;
/** Flags that take a host out of load balancing and of the health percentages altogether. */
export const EXCLUDED_FLAGS = HealthFlag.PendingActiveHc | HealthFlag.ExcludedViaImmediateHcFail;

/** EDS health_status values (envoy.config.core.v3.HealthStatus). */
const EDS_UNHEALTHY = 2;
const EDS_DRAINING = 3;
const EDS_TIMEOUT = 4;
const EDS_DEGRADED = 5;

/** The health flags an endpoint's `health_status` sets. */
export function healthFlagsFromEds(status: number): number {
  if (status === EDS_UNHEALTHY || status === EDS_DRAINING || status === EDS_TIMEOUT) return HealthFlag.FailedEdsHealth;
  if (status === EDS_DEGRADED) return HealthFlag.DegradedEdsHealth;
  return 0;
}

/** `ip:port`, with IPv6 addresses in brackets, as Envoy prints addresses; a pipe (port 0) is its path. */
export function hostKey(address: string, port: number): string {
  if (port === 0) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The outlier monitor of a host whose cluster has no outlier detection: ignores every report. */
export const NULL_OUTLIER_MONITOR: HostOutlierMonitor = {
  putHttpResponseCode(): void {},
  putResult(): void {},
  putResponseTime(): void {},
};

/** The health-check monitor of a host that is not actively health checked. */
export const NULL_HEALTH_CHECK_MONITOR: HostHealthCheckMonitor = {
  setUnhealthyImmediate(): void {},
};

/** What a host is made from (an endpoint of the load assignment, or a resolved DNS address). */
export interface HostSpec {
  address: string;
  port: number;
  hostname: string;
  weight: number;
  priority: number;
  locality: { region: string; zone: string; subZone: string };
  /** The locality's load_balancing_weight (0 when unset), for locality-weighted balancing. */
  localityWeight?: number;
  healthFlags: number;
  /** The LbEndpoint's metadata (transport_socket_matches look under `envoy.transport_socket_match`). */
  metadata?: Metadata;
  /** The LocalityLbEndpoints' metadata, matched when the endpoint's matches nothing. */
  localityMetadata?: Metadata;
}

/** Whether two optional metadata messages are equal. */
function sameMetadata(a: Metadata | undefined, b: Metadata | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return equals(MetadataSchema, a, b);
}

/** A live upstream host. */
export class HostImpl implements Host {
  address: string;
  readonly port: number;
  key: string;
  readonly hostname: string;
  readonly weight: number;
  readonly priority: number;
  readonly locality: { region: string; zone: string; subZone: string };
  readonly localityWeight: number;
  healthFlags: number;
  readonly metadata: Metadata | undefined;
  readonly localityMetadata: Metadata | undefined;
  readonly stats: HostStats = {
    cx_active: 0, cx_connect_fail: 0, cx_total: 0, rq_active: 0, rq_error: 0, rq_success: 0, rq_timeout: 0, rq_total: 0,
  };
  /** The host's connection pool for DEFAULT priority requests, created by the cluster on first use. */
  pool: ConnPool | null = null;
  /** The pool for HIGH priority requests: its own connections, under the HIGH circuit breakers. */
  highPool: ConnPool | null = null;
  /** Set by the cluster's outlier detector while the host is a member. */
  outlier: HostOutlierMonitor = NULL_OUTLIER_MONITOR;
  /** Set by the cluster's active health checker while the host is checked. */
  healthChecker: HostHealthCheckMonitor = NULL_HEALTH_CHECK_MONITOR;

  constructor(spec: HostSpec) {
    this.address = spec.address;
    this.port = spec.port;
    this.key = hostKey(spec.address, spec.port);
    this.hostname = spec.hostname;
    this.weight = spec.weight;
    this.priority = spec.priority;
    this.locality = spec.locality;
    this.localityWeight = spec.localityWeight ?? 0;
    this.healthFlags = spec.healthFlags;
    this.metadata = spec.metadata;
    this.localityMetadata = spec.localityMetadata;
  }

  /** LOGICAL_DNS: new connections go to the newly resolved address; the host (and its stats) stay. */
  setAddress(address: string): void {
    this.address = address;
    this.key = hostKey(address, this.port);
  }

  /** Same endpoint and same balancing attributes: a DNS refresh may keep this host object. */
  sameAs(spec: HostSpec): boolean {
    return this.address === spec.address && this.port === spec.port && this.weight === spec.weight
      && this.priority === spec.priority && this.hostname === spec.hostname
      && this.locality.region === spec.locality.region && this.locality.zone === spec.locality.zone
      && this.locality.subZone === spec.locality.subZone && this.localityWeight === (spec.localityWeight ?? 0)
      && sameMetadata(this.metadata, spec.metadata) && sameMetadata(this.localityMetadata, spec.localityMetadata);
  }
}

/** Whether a host may take traffic when not in panic. */
export function isHealthy(flags: number): boolean {
  return (flags & (UNHEALTHY_FLAGS | DEGRADED_FLAGS | EXCLUDED_FLAGS)) === 0;
}
