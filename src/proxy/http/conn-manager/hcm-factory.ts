// Builds a compiled HcmConfig from an http_connection_manager proto, once per filter chain.
// Defaults follow Envoy's (server_name "envoy", idle_timeout 1 h, stream_idle_timeout 5 min, max headers 60 KiB).
import type { HttpConnectionManager } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { HttpConnectionManager_CodecType, HttpConnectionManager_ForwardClientCertDetails,
  HttpConnectionManager_ServerHeaderTransformation } from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { ConfigSource } from '../../../xds/gen/envoy/config/core/v3/config_source_pb.js';
import type { Node, TrafficDirection } from '../../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { Scope } from '../../stats/store.js';
import type { ClusterManager } from '../../upstream/types.js';
import { compileRouteConfig } from '../../router/index.js';
import { defaultAccessLogManager } from '../../accesslog/index.js';
import { createHttpFilterFactory } from '../../filters/http/registry.js';
import { durationMs } from '../../util/duration.js';
import type { CodecType } from '../codec/index.js';
import type { HcmConfig, RouteConfigProvider, ServerHeaderTransformation } from './config.js';
import { createHcmStats } from './stats.js';
import { buildHcmTracing } from '../../tracing/hcm-tracing.js';
import type { ForwardClientCert, XfccPolicy } from './xfcc.js';

/** An HCM's `rds`: the route_config_name, its config_source, the HCM's stat_prefix, and where it sits. */
export interface RdsRequest {
  readonly name: string;
  readonly source: ConfigSource | undefined;
  readonly statPrefix: string;
  /** Field path of the `rds` message, for errors. */
  readonly at: string;
}

/** What building a connection manager needs from the server. */
export interface HcmContext {
  readonly clusterManager: ClusterManager;
  /** The root stats scope (`http.<prefix>` is created under it). */
  readonly stats: Scope['store'];
  /** Resolves an HCM's `rds` to a route table provider (dynamic config; absent in static mode). */
  readonly rds?: (req: RdsRequest) => RouteConfigProvider;
  /** Where this HCM sits in the config, for error messages. */
  readonly fieldPath: string;
  /** The proxy's own node (Envoy's LocalInfo): id, cluster, metadata; absent in unit tests. */
  readonly localNode?: Node;
  /** The listener's traffic_direction (INBOUND for a sidecar's inbound listener). */
  readonly trafficDirection?: TrafficDirection;
}

function codecType(c: HttpConnectionManager_CodecType): CodecType {
  if (c === HttpConnectionManager_CodecType.HTTP1) return 'HTTP1';
  if (c === HttpConnectionManager_CodecType.HTTP2) return 'HTTP2';
  return 'AUTO';
}

function serverTransform(t: HttpConnectionManager_ServerHeaderTransformation): ServerHeaderTransformation {
  if (t === HttpConnectionManager_ServerHeaderTransformation.APPEND_IF_ABSENT) return 'APPEND_IF_ABSENT';
  if (t === HttpConnectionManager_ServerHeaderTransformation.PASS_THROUGH) return 'PASS_THROUGH';
  return 'OVERWRITE';
}

/** forward_client_cert_details and set_current_client_cert_details (Envoy's default: SANITIZE). */
function xfccPolicy(proto: HttpConnectionManager): XfccPolicy {
  const d = proto.setCurrentClientCertDetails;
  return {
    forward: HttpConnectionManager_ForwardClientCertDetails[proto.forwardClientCertDetails] as ForwardClientCert,
    subject: d?.subject === true, uri: d?.uri === true, dns: d?.dns === true,
  };
}

/** Compiles one http_connection_manager. */
export function buildHcmConfig(proto: HttpConnectionManager, ctx: HcmContext): HcmConfig {
  const hcmScope = ctx.stats.scope(`http.${proto.statPrefix}`);
  const stats = createHcmStats(hcmScope);
  let routes: RouteConfigProvider;
  if (proto.routeSpecifier.case === 'routeConfig') {
    const table = compileRouteConfig(proto.routeSpecifier.value, { fieldPath: `${ctx.fieldPath}.route_config`, stats: ctx.stats });
    routes = { current: () => table };
  } else if (proto.routeSpecifier.case === 'rds' && ctx.rds !== undefined) {
    const rds = proto.routeSpecifier.value;
    routes = ctx.rds({ name: rds.routeConfigName, source: rds.configSource, statPrefix: proto.statPrefix,
      at: `${ctx.fieldPath}.rds` });
  } else {
    routes = { current: () => null };
  }
  const filterCtx = { hcmStats: stats, statPrefix: proto.statPrefix, stats: ctx.stats, localNode: ctx.localNode,
    trafficDirection: ctx.trafficDirection, clusterManager: ctx.clusterManager };
  const common = proto.commonHttpProtocolOptions;
  const upgradeTypes = new Set(proto.upgradeConfigs.filter((u) => u.enabled !== false)
    .map((u) => u.upgradeType.toLowerCase()));
  return {
    statPrefix: proto.statPrefix,
    codecType: codecType(proto.codecType),
    routes,
    filters: proto.httpFilters.map((f, i) => createHttpFilterFactory(f,
      { ...filterCtx, filterName: f.name, fieldPath: `${ctx.fieldPath}.http_filters[${i}].typed_config` })),
    clusterManager: ctx.clusterManager,
    accessLoggers: defaultAccessLogManager.createAll(proto.accessLog, `${ctx.fieldPath}.access_log`),
    stats,
    serverName: proto.serverName !== '' ? proto.serverName : 'envoy',
    serverHeaderTransformation: serverTransform(proto.serverHeaderTransformation),
    alwaysSetRequestIdInResponse: proto.alwaysSetRequestIdInResponse,
    idleTimeoutMs: durationMs(common?.idleTimeout, 3600_000),
    maxConnectionDurationMs: durationMs(common?.maxConnectionDuration, 0),
    drainTimeoutMs: durationMs(proto.drainTimeout, 5000),
    delayedCloseTimeoutMs: durationMs(proto.delayedCloseTimeout, 1000),
    streamIdleTimeoutMs: durationMs(proto.streamIdleTimeout, 300_000),
    requestTimeoutMs: durationMs(proto.requestTimeout, 0),
    requestHeadersTimeoutMs: durationMs(proto.requestHeadersTimeout, 0),
    maxStreamDurationMs: durationMs(common?.maxStreamDuration, 0),
    maxRequestHeadersKb: proto.maxRequestHeadersKb ?? 60,
    maxRequestHeadersCount: proto.commonHttpProtocolOptions?.maxHeadersCount ?? 100,
    http2MaxConcurrentStreams: proto.http2ProtocolOptions?.maxConcurrentStreams ?? 2147483647,
    http2HeaderOverflow: ctx.stats.counter('http2.header_overflow'),
    http1EnableTrailers: proto.httpProtocolOptions?.enableTrailers ?? false,
    acceptHttp10: proto.httpProtocolOptions?.acceptHttp10 ?? false,
    useRemoteAddress: proto.useRemoteAddress ?? false,
    xffNumTrustedHops: proto.xffNumTrustedHops,
    skipXffAppend: proto.skipXffAppend,
    generateRequestId: proto.generateRequestId ?? true,
    preserveExternalRequestId: proto.preserveExternalRequestId,
    via: proto.via,
    upgradeTypes,
    stripAnyHostPort: proto.stripPortMode.case === 'stripAnyHostPort' && proto.stripPortMode.value,
    stripMatchingHostPort: proto.stripMatchingHostPort,
    normalizePath: proto.normalizePath ?? false,
    mergeSlashes: proto.mergeSlashes,
    xfcc: xfccPolicy(proto),
    tracing: buildHcmTracing(proto.tracing, { clusterManager: ctx.clusterManager, stats: ctx.stats, hcmScope,
      localNode: ctx.localNode, trafficDirection: ctx.trafficDirection }),
  };
}
