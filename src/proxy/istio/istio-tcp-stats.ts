// istio.stats as a network filter before tcp_proxy: Istio's TCP metrics per connection (opened,
// bytes both ways every tcp_reporting_duration and at close, closed), labelled once the peer is known:
// from the TCP metadata exchange (ALPN istio-peer-exchange), principals from the mTLS certificates.
import type { JsonObject } from '@bufbuild/protobuf';
import { TrafficDirection, type Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { formatResponseFlags, type StreamInfo } from '../http/stream-info.js';
import type { TcpConnectionObserver, TcpConnectionTracker } from '../filters/network/tcp_proxy/observer.js';
import type { Counter, StatsStore } from '../stats/store.js';
import type { Tag } from '../stats/tag-extractor.js';
import type { ClusterManager } from '../upstream/types.js';
import type { AttributeContext } from './expressions.js';
import { IstioMetrics, type IstioMetric } from './istio-metrics.js';
import { DOWNSTREAM_PEER, UPSTREAM_PEER, peerFromMetadata, type PeerInfo } from './peer-info.js';
import { parseStatsConfig } from './stats-config.js';
import { clusterIstioMetadata, reporterOf, standardLabels, type Reporter } from './standard-labels.js';

/** What the network filter is built from. */
export interface IstioTcpStatsContext {
  readonly stats: StatsStore;
  readonly clusterManager: ClusterManager;
  readonly fieldPath: string;
  readonly localNode?: Node;
  readonly trafficDirection?: TrafficDirection;
}

class Tracker implements TcpConnectionTracker {
  /** As Istio's: nothing is reported before the peer is known (or the connection closes). */
  private ready = false;
  private opened = false;
  private sent = 0;
  private received = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly owner: IstioTcpStats, private readonly info: StreamInfo) {
    this.timer = setInterval(() => {
      if (this.ready) this.report();
    }, owner.metrics.config.tcpReportingMs);
    this.timer.unref();
  }

  onReady(): void {
    this.ready = true;
    this.report();
  }

  onClose(): void {
    clearInterval(this.timer);
    const [tags, ctx] = this.report();
    this.owner.closed?.get(tags, ctx).inc();
  }

  /** Adds what happened since the last report. */
  private report(): [Tag[], AttributeContext] {
    const [tags, ctx] = this.owner.labels(this.info);
    const o = this.owner;
    if (!this.opened) {
      this.opened = true;
      o.opened?.get(tags, ctx).inc();
    }
    const sent = this.info.bytesSent - this.sent;
    const received = this.info.bytesReceived - this.received;
    this.sent = this.info.bytesSent;
    this.received = this.info.bytesReceived;
    if (sent > 0) o.sentBytes?.get(tags, ctx).inc(sent);
    if (received > 0) o.receivedBytes?.get(tags, ctx).inc(received);
    return [tags, ctx];
  }
}

/** One istio.stats network filter config. */
export class IstioTcpStats implements TcpConnectionObserver {
  readonly metrics: IstioMetrics;
  /** The four TCP metrics, resolved once (null when the config drops one). */
  readonly opened: IstioMetric<Counter> | null;
  readonly closed: IstioMetric<Counter> | null;
  readonly sentBytes: IstioMetric<Counter> | null;
  readonly receivedBytes: IstioMetric<Counter> | null;
  private readonly self: PeerInfo;
  private readonly nodeMetadata: JsonObject | undefined;
  private readonly reporter: Reporter;
  private readonly clusterManager: ClusterManager;

  constructor(config: JsonObject, ctx: IstioTcpStatsContext) {
    this.metrics = new IstioMetrics(ctx.stats, parseStatsConfig(config, ctx.fieldPath));
    this.opened = this.metrics.counter('tcp_connections_opened_total');
    this.closed = this.metrics.counter('tcp_connections_closed_total');
    this.sentBytes = this.metrics.counter('tcp_sent_bytes_total');
    this.receivedBytes = this.metrics.counter('tcp_received_bytes_total');
    this.nodeMetadata = ctx.localNode?.metadata;
    this.self = peerFromMetadata(ctx.localNode?.id ?? '', this.nodeMetadata ?? {});
    this.reporter = reporterOf(ctx.trafficDirection === TrafficDirection.INBOUND, this.metrics.config.serverGateway);
    this.clusterManager = ctx.clusterManager;
  }

  onOpen(info: StreamInfo): TcpConnectionTracker {
    return new Tracker(this, info);
  }

  labels(info: StreamInfo): [Tag[], AttributeContext] {
    const client = this.reporter === 'source';
    const downstream = info.filterState.get(DOWNSTREAM_PEER) as PeerInfo | undefined;
    const upstream = info.filterState.get(UPSTREAM_PEER) as PeerInfo | undefined;
    // A client's peer is the server of its upstream TLS; a server's is the client of its downstream TLS.
    const ssl = client ? info.upstreamSsl : info.downstreamSsl;
    const peerSan = ssl?.peerCertificatePresented === true ? ssl.uriSanPeerCertificate[0] : undefined;
    const localSan = ssl?.uriSanLocalCertificate[0];
    const tags = standardLabels({
      reporter: this.reporter,
      source: client ? this.self : downstream,
      destination: client ? upstream : this.self,
      sourcePrincipal: (client ? localSan : peerSan) ?? 'unknown',
      destinationPrincipal: (client ? peerSan : localSan) ?? 'unknown',
      service: clusterIstioMetadata(this.clusterManager, info.upstreamCluster)?.service,
      protocol: 'tcp', responseFlags: formatResponseFlags(info.responseFlags),
      securityPolicy: client ? 'unknown' : peerSan !== undefined && localSan !== undefined ? 'mutual_tls' : 'none',
    });
    return [tags, {
      nodeMetadata: this.nodeMetadata, clusterName: info.upstreamCluster, upstreamPeer: upstream, downstreamPeer: downstream,
    }];
  }
}
