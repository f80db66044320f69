// A compiled envoy.filters.network.tcp_proxy config: the cluster (or weighted clusters), timeouts,
// connect attempts, access logs and stats, built once per filter chain.
import type { Node, TrafficDirection } from '../../../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { TcpProxy } from '../../../../xds/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { defaultAccessLogManager, type AccessLogger } from '../../../accesslog/index.js';
import { listenerFail } from '../../../listener/errors.js';
import type { StatsStore } from '../../../stats/store.js';
import type { ClusterManager } from '../../../upstream/types.js';
import { durationMs } from '../../../util/duration.js';
import type { MetadataExchangeConfig } from '../../../istio/tcp-metadata-exchange.js';
import type { TcpConnectionObserver } from './observer.js';
import { createTcpProxyStats, type TcpProxyStats } from './stats.js';

/** Envoy's default idle_timeout: 1 hour (0s disables it). */
const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

/** What building a tcp_proxy needs from the listener. */
export interface TcpProxyContext {
  readonly clusterManager: ClusterManager;
  readonly stats: StatsStore;
  /** The typed_config's field path, for errors. */
  readonly fieldPath: string;
  /** The proxy's own node (id, cluster, metadata); absent in unit tests. */
  readonly localNode?: Node;
  /** The listener's traffic_direction. */
  readonly trafficDirection?: TrafficDirection;
  /** The network filters before tcp_proxy that watch its connections (istio.stats). */
  readonly observers?: readonly TcpConnectionObserver[];
  /** The chain's istio.metadata_exchange filter (the downstream side of the exchange). */
  readonly peerExchange?: MetadataExchangeConfig;
}

/** One weighted cluster. */
interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
}

/** The immutable config every connection of a filter chain shares. */
export class TcpProxyConfig {
  readonly statPrefix: string;
  readonly stats: TcpProxyStats;
  readonly clusterManager: ClusterManager;
  /** idle_timeout in ms (0 = none). */
  readonly idleTimeoutMs: number;
  /** max_downstream_connection_duration in ms (0 = none). */
  readonly maxDownstreamConnectionDurationMs: number;
  /** max_connect_attempts (default 1). */
  readonly maxConnectAttempts: number;
  readonly accessLoggers: readonly AccessLogger[];
  readonly observers: readonly TcpConnectionObserver[];
  readonly peerExchange: MetadataExchangeConfig | undefined;
  /** The proxy's node (what the exchange sends) and the root stats store (its counters). */
  readonly localNode: Node | undefined;
  readonly rootStats: StatsStore;
  private readonly clusters: readonly WeightedCluster[];
  private readonly totalWeight: number;

  constructor(proto: TcpProxy, ctx: TcpProxyContext) {
    const at = ctx.fieldPath;
    if (proto.statPrefix === '') listenerFail(`${at}.stat_prefix`, 'value length must be at least 1 characters');
    this.statPrefix = proto.statPrefix;
    const spec = proto.clusterSpecifier;
    if (spec.case === 'cluster') {
      this.clusters = [{ name: spec.value, weight: 1 }];
    } else if (spec.case === 'weightedClusters') {
      if (spec.value.clusters.length === 0) {
        listenerFail(`${at}.weighted_clusters.clusters`, 'value must contain at least 1 item(s)');
      }
      this.clusters = spec.value.clusters.map((c, i) => {
        if (c.name === '') listenerFail(`${at}.weighted_clusters.clusters[${i}].name`, 'value length must be at least 1 characters');
        if (c.weight < 1) listenerFail(`${at}.weighted_clusters.clusters[${i}].weight`, 'value must be greater than or equal to 1');
        return { name: c.name, weight: c.weight };
      });
    } else {
      listenerFail(at, 'one of cluster or weighted_clusters is required');
    }
    this.totalWeight = this.clusters.reduce((n, c) => n + c.weight, 0);
    if (proto.tunnelingConfig !== undefined) listenerFail(`${at}.tunneling_config`, 'tunneling_config is not supported by Strait yet');
    if (proto.onDemand !== undefined) listenerFail(`${at}.on_demand`, 'on_demand is not supported by Strait yet');
    this.idleTimeoutMs = durationMs(proto.idleTimeout, DEFAULT_IDLE_TIMEOUT_MS);
    this.maxDownstreamConnectionDurationMs = durationMs(proto.maxDownstreamConnectionDuration, 0);
    this.maxConnectAttempts = proto.maxConnectAttempts ?? 1;
    if (this.maxConnectAttempts < 1) listenerFail(`${at}.max_connect_attempts`, 'value must be greater than or equal to 1');
    this.clusterManager = ctx.clusterManager;
    this.stats = createTcpProxyStats(ctx.stats.scope(`tcp.${proto.statPrefix}`));
    this.accessLoggers = defaultAccessLogManager.createAll(proto.accessLog, `${at}.access_log`);
    this.observers = ctx.observers ?? [];
    this.peerExchange = ctx.peerExchange;
    this.localNode = ctx.localNode;
    this.rootStats = ctx.stats;
  }

  /** The cluster for a new connection (by weight when there are several, as Envoy's random pick). */
  pickCluster(): string {
    const list = this.clusters;
    if (list.length === 1) return list[0].name;
    let r = Math.floor(Math.random() * this.totalWeight);
    for (const c of list) {
      if (r < c.weight) return c.name;
      r -= c.weight;
    }
    return list[list.length - 1].name;
  }
}
