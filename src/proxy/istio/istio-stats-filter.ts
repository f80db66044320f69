// istio.stats (HTTP): Istio's standard request metrics, recorded when the stream ends, with the
// reporter from the listener's direction and the peers peer_metadata discovered for the stream.
import type { JsonObject } from '@bufbuild/protobuf';
import { TrafficDirection } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { HeaderMap, RequestHead } from '../http/headers.js';
import { formatResponseFlags, type StreamInfo } from '../http/stream-info.js';
import type { HttpFilterContext } from '../filters/http/registry.js';
import type { DecoderFilterCallbacks, HttpFilterFactory, StreamDecoderFilter } from '../filters/http/types.js';
import type { ClusterManager } from '../upstream/types.js';
import type { AttributeContext } from './expressions.js';
import { IstioMetrics, type IstioMetric } from './istio-metrics.js';
import type { Counter, Histogram } from '../stats/store.js';
import { DOWNSTREAM_PEER, UPSTREAM_PEER, peerFromMetadata, type PeerInfo } from './peer-info.js';
import { parseStatsConfig } from './stats-config.js';
import {
  clusterIstioMetadata, reporterOf, standardLabels, type DestinationService, type Reporter,
} from './standard-labels.js';
import { PassThroughFilter } from '../filters/http/pass-through.js';

/** Envoy's HeaderMap byteSize: names plus values, pseudo-headers included. */
function headersSize(h: HeaderMap | undefined, pseudo: number): number {
  let n = pseudo;
  if (h !== undefined) for (let i = 0; i < h.names.length; i++) n += h.names[i].length + h.values[i].length;
  return n;
}

function requestPseudoSize(r: RequestHead): number {
  return ':method'.length + r.method.length + ':path'.length + r.path.length + ':authority'.length
    + r.authority.length + ':scheme'.length + r.scheme.length;
}

/** The destination service: the cluster's istio metadata, else the Host header (unless disabled). */
function destinationService(cm: ClusterManager, info: StreamInfo, hostFallback: boolean,
  dest: PeerInfo | undefined): DestinationService | undefined {
  const svc = clusterIstioMetadata(cm, info.upstreamCluster)?.service;
  if (svc !== undefined || !hostFallback) return svc;
  const host = info.requestHead?.authority ?? '';
  return host === '' ? undefined : { host, name: host, namespace: dest?.namespace ?? 'unknown' };
}

class IstioStatsFilter extends PassThroughFilter {
  constructor(private readonly f: IstioStatsFilterFactory, private readonly cb: DecoderFilterCallbacks) {
    super();
  }

  override onDestroy(): void {
    this.f.record(this.cb.streamInfo, this.cb.clusterManager);
  }
}

/** One istio.stats config of an HCM. */
export class IstioStatsFilterFactory implements HttpFilterFactory {
  readonly name = 'istio.stats';
  private readonly self: PeerInfo;
  private readonly nodeMetadata: JsonObject | undefined;
  private readonly reporter: Reporter;
  /** The four metrics, resolved once (null when the config drops one). */
  private readonly requests: IstioMetric<Counter> | null;
  private readonly duration: IstioMetric<Histogram> | null;
  private readonly requestBytes: IstioMetric<Histogram> | null;
  private readonly responseBytes: IstioMetric<Histogram> | null;

  constructor(private readonly metrics: IstioMetrics, ctx: HttpFilterContext) {
    this.requests = metrics.counter('requests_total');
    this.duration = metrics.histogram('request_duration_milliseconds', 'milliseconds');
    this.requestBytes = metrics.histogram('request_bytes', 'bytes');
    this.responseBytes = metrics.histogram('response_bytes', 'bytes');
    this.nodeMetadata = ctx.localNode?.metadata;
    this.self = peerFromMetadata(ctx.localNode?.id ?? '', this.nodeMetadata ?? {});
    this.reporter = reporterOf(ctx.trafficDirection === TrafficDirection.INBOUND, metrics.config.serverGateway);
  }

  record(info: StreamInfo, cm: ClusterManager): void {
    const downstream = info.filterState.get(DOWNSTREAM_PEER) as PeerInfo | undefined;
    const upstream = info.filterState.get(UPSTREAM_PEER) as PeerInfo | undefined;
    const reporter = this.reporter;
    const source = reporter === 'source' ? this.self : downstream;
    const destination = reporter === 'destination' ? this.self : upstream;
    const req = info.requestHead;
    const grpc = req?.headers.get('content-type')?.startsWith('application/grpc') === true;
    const grpcStatus = grpc
      ? info.responseTrailers?.get('grpc-status') ?? info.responseHead?.headers.get('grpc-status') ?? ''
      : '';
    // A server side knows the peer's identity from a client certificate (mutual TLS).
    const ssl = reporter === 'source' ? undefined : info.downstreamSsl;
    const mtls = ssl?.peerCertificatePresented === true;
    const base = standardLabels({
      reporter, source, destination,
      sourcePrincipal: (mtls ? ssl.uriSanPeerCertificate[0] : undefined) ?? 'unknown',
      destinationPrincipal: (mtls ? ssl.uriSanLocalCertificate[0] : undefined) ?? 'unknown',
      service: destinationService(cm, info, !this.metrics.config.disableHostHeaderFallback, destination),
      protocol: grpc ? 'grpc' : 'http', responseCode: String(info.responseCode), grpcStatus,
      responseFlags: formatResponseFlags(info.responseFlags),
      securityPolicy: reporter === 'source' ? 'unknown' : mtls ? 'mutual_tls' : 'none',
    });
    const ctx: AttributeContext = {
      request: req, responseCode: info.responseCode, nodeMetadata: this.nodeMetadata,
      upstreamPeer: upstream, downstreamPeer: downstream, clusterName: info.upstreamCluster,
    };
    this.requests?.get(base, ctx).inc();
    this.duration?.get(base, ctx).record(info.elapsedMs());
    const reqSize = req === undefined ? 0 : headersSize(req.headers, requestPseudoSize(req));
    this.requestBytes?.get(base, ctx).record(info.bytesReceived + reqSize);
    const resp = info.responseHead;
    const respSize = resp === undefined ? 0 : headersSize(resp.headers, ':status'.length + 3);
    this.responseBytes?.get(base, ctx).record(info.bytesSent + respSize);
  }

  create(cb: DecoderFilterCallbacks): { decoder: StreamDecoderFilter } {
    return { decoder: new IstioStatsFilter(this, cb) };
  }
}

/** The registry's maker: `config` is the TypedStruct's JSON value. */
export function makeIstioStatsFilterFactory(config: unknown, ctx: HttpFilterContext): IstioStatsFilterFactory {
  const cfg = parseStatsConfig((config ?? {}) as JsonObject, ctx.fieldPath);
  return new IstioStatsFilterFactory(new IstioMetrics(ctx.stats, cfg), ctx);
}
