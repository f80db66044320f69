// The connection manager's tracing (HttpConnectionManager.tracing): the compiled config, and the
// span of each stream: started at decodeHeaders (decision, name, context for the upstream request),
// tagged and finished when the stream ends, as Envoy's ConnectionManagerImpl and HttpTracerUtility.
import type { HttpConnectionManager_Tracing } from '../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { TrafficDirection } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { HeaderMap, RequestHead } from '../http/headers.js';
import { formatResponseFlags, type StreamInfo } from '../http/stream-info.js';
import type { RouteMatchResult } from '../router/index.js';
import type { Scope, StatsStore } from '../stats/store.js';
import type { ClusterManager } from '../upstream/types.js';
import { compileCustomTags, type CompiledCustomTag } from './custom-tags.js';
import { bootstrapTracingProvider, driverFor } from './provider.js';
import type { Span, TracingDriver } from './span.js';
import { decideTraceReason, samplingOf, type SamplingConfig, type TracingStats } from './trace-reason.js';

/** One HCM's tracing, compiled. */
export interface HcmTracingConfig {
  /** Null when neither the HCM nor the bootstrap names a provider: decisions and stats, no spans. */
  readonly driver: TracingDriver | null;
  /** Envoy's operation name: ingress for INBOUND and unspecified listeners, egress for OUTBOUND. */
  readonly ingress: boolean;
  readonly sampling: SamplingConfig;
  readonly stats: TracingStats;
  readonly customTags: readonly CompiledCustomTag[];
  readonly maxPathTagLength: number;
  readonly nodeId: string;
  readonly zone: string;
  readonly clusterManager: ClusterManager;
}

/** What building an HCM's tracing reads. */
export interface HcmTracingContext {
  readonly clusterManager: ClusterManager;
  readonly stats: StatsStore;
  /** The HCM's `http.<stat_prefix>` scope. */
  readonly hcmScope: Scope;
  readonly localNode: Node | undefined;
  readonly trafficDirection: TrafficDirection | undefined;
}

/** Compiles an HCM's `tracing`; undefined (no tracing work at all) when the field is absent. */
export function buildHcmTracing(proto: HttpConnectionManager_Tracing | undefined, ctx: HcmTracingContext): HcmTracingConfig | undefined {
  if (proto === undefined) return undefined;
  const provider = proto.provider ?? bootstrapTracingProvider(ctx.clusterManager);
  const driver = provider === undefined ? null
    : driverFor(provider, { clusterManager: ctx.clusterManager, stats: ctx.stats, localNode: ctx.localNode });
  const s = ctx.hcmScope;
  return {
    driver,
    ingress: ctx.trafficDirection !== TrafficDirection.OUTBOUND,
    sampling: { client: samplingOf(proto.clientSampling), random: samplingOf(proto.randomSampling),
      overall: samplingOf(proto.overallSampling) },
    stats: { random_sampling: s.counter('tracing.random_sampling'), service_forced: s.counter('tracing.service_forced'),
      client_enabled: s.counter('tracing.client_enabled'), not_traceable: s.counter('tracing.not_traceable'),
      health_check: s.counter('tracing.health_check') },
    customTags: compileCustomTags(proto.customTags),
    maxPathTagLength: proto.maxPathTagLength ?? 256,
    nodeId: ctx.localNode?.id ?? '',
    zone: ctx.localNode?.locality?.zone ?? '',
    clusterManager: ctx.clusterManager,
  };
}

/**
 * Envoy's traceRequest: decides, starts the stream's span, names it (the route's decorator, or
 * x-envoy-decorator-operation on ingress), and writes its context onto the request the router forwards.
 */
export function startStreamSpan(t: HcmTracingConfig, head: RequestHead, route: RouteMatchResult | null,
  info: StreamInfo): Span | null {
  const h = head.headers;
  const sampling = route?.route.tracing?.sampling ?? t.sampling;
  const reason = decideTraceReason(h, sampling, t.stats);
  if (t.driver === null) return null;
  const span = t.driver.startSpan(h, t.ingress, head.authority, reason !== 'NotTraceable', info.startMono);
  if (span === null) return null;
  const decorator = route?.route.proto.decorator;
  if (decorator !== undefined && decorator.operation !== '') span.name = decorator.operation;
  if (t.ingress) {
    const override = h.get('x-envoy-decorator-operation');
    if (override !== undefined) {
      if (override !== '') span.name = override;
      h.remove('x-envoy-decorator-operation');
    }
  } else if (decorator !== undefined && decorator.operation !== '' && decorator.propagate !== false) {
    h.set('x-envoy-decorator-operation', decorator.operation);
  }
  if (span.sampled) {
    span.setTag('node_id', t.nodeId);
    span.setTag('zone', t.zone);
  }
  span.injectContext(h);
  return span;
}

/**
 * The response side of the decorator exchange (Envoy's encodeHeaders): ingress tells the caller its
 * decorated operation in x-envoy-decorator-operation; egress takes a non-empty one as the span's name
 * and removes the header before it reaches the service.
 */
export function decorateResponse(t: HcmTracingConfig, span: Span, headers: HeaderMap, route: RouteMatchResult | null): void {
  if (t.ingress) {
    const decorator = route?.route.proto.decorator;
    const op = decorator?.operation ?? '';
    // Not when x-envoy-decorator-operation on the request renamed the span.
    if (op !== '' && decorator!.propagate !== false && span.name === op) headers.set('x-envoy-decorator-operation', op);
    return;
  }
  const override = headers.get('x-envoy-decorator-operation');
  if (override === undefined) return;
  if (override !== '') span.name = override;
  headers.remove('x-envoy-decorator-operation');
}

/** `ip:port` / `[v6]:port` -> the IP. */
function ipOf(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}

/** Envoy's buildOriginalUri: scheme://host + path (x-envoy-original-path first), the path cut to max_path_tag_length. */
function originalUrl(head: RequestHead, max: number): string {
  const h = head.headers;
  let path = h.get('x-envoy-original-path') ?? head.path;
  if (max > 0 && path.length > max) path = path.slice(0, max);
  return `${h.get('x-forwarded-proto') ?? head.scheme}://${head.authority}${path}`;
}

/** Envoy's finalizeDownstreamSpan: request, response and upstream tags, custom tags, then finish. */
export function finishStreamSpan(t: HcmTracingConfig, span: Span, info: StreamInfo, route: RouteMatchResult | null): void {
  // An unsampled span is never reported: its tags would be built for nothing (most requests at 1%).
  if (!span.sampled) {
    span.finish();
    return;
  }
  const head = info.requestHead;
  if (head !== undefined) {
    const h = head.headers;
    const rid = h.get('x-request-id');
    if (rid !== undefined) span.setTag('guid:x-request-id', rid);
    span.setTag('http.url', originalUrl(head, t.maxPathTagLength));
    span.setTag('http.method', head.method);
    span.setTag('downstream_cluster', h.get('x-envoy-downstream-service-cluster') ?? '-');
    span.setTag('user_agent', h.get('user-agent') ?? '-');
    span.setTag('http.protocol', head.protocol);
    span.setTag('peer.address', ipOf(info.downstreamDirectRemoteAddress));
    const clientTraceId = h.get('x-client-trace-id');
    if (clientTraceId !== undefined) span.setTag('guid:x-client-trace-id', clientTraceId);
  }
  span.setTag('request_size', String(info.bytesReceived));
  span.setTag('response_size', String(info.bytesSent));
  span.setTag('component', 'proxy');
  if (info.upstreamCluster !== '') {
    span.setTag('upstream_cluster', info.upstreamCluster);
    const alt = t.clusterManager.get(info.upstreamCluster)?.info.config.altStatName ?? '';
    span.setTag('upstream_cluster.name', alt !== '' ? alt : info.upstreamCluster);
  }
  if (info.upstreamHost !== '') span.setTag('upstream_address', info.upstreamHost);
  span.setTag('http.status_code', String(info.responseCode));
  span.setTag('response_flags', formatResponseFlags(info.responseFlags));
  if (info.responseCode === 0 || info.responseCode >= 500) span.setTag('error', 'true');
  const headers = head?.headers;
  if (headers !== undefined) {
    for (const tag of t.customTags) {
      const v = tag.value(headers);
      if (v !== '') span.setTag(tag.tag, v);
    }
    const routeTags = route?.route.tracing?.customTags;
    if (routeTags !== undefined) {
      for (const tag of routeTags) {
        const v = tag.value(headers);
        if (v !== '') span.setTag(tag.tag, v);
      }
    }
  }
  span.finish();
}
