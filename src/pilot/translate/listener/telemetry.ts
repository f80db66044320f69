// What a Telemetry plan adds to an HCM, as istiod writes it: the metadata exchange and istio.stats
// HTTP filters (TypedStruct configs), and the tracing section (Zipkin or OpenTelemetry provider); and
// the TCP metadata exchange filters of inbound TCP chains and outbound clusters.
import { create, type JsonObject } from '@bufbuild/protobuf';
import { anyPack, type Any } from '@bufbuild/protobuf/wkt';
import { CustomTagSchema, type CustomTag } from '../../../xds/gen/envoy/type/tracing/v3/custom_tag_pb.js';
import { OpenTelemetryConfigSchema } from '../../../xds/gen/envoy/config/trace/v3/opentelemetry_pb.js';
import { ZipkinConfig_CollectorEndpointVersion as ZipkinVersion, ZipkinConfigSchema } from '../../../xds/gen/envoy/config/trace/v3/zipkin_pb.js';
import {
  HttpConnectionManager_TracingSchema, HttpFilterSchema, type HttpConnectionManager_Tracing, type HttpFilter,
} from '../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { Tracing_HttpSchema, type Tracing_Http } from '../../../xds/gen/envoy/config/trace/v3/http_tracer_pb.js';
import { TypedStructSchema } from '../../../xds/gen/xds/type/v3/typed_struct_pb.js';
import { FilterSchema, type Filter } from '../../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { FilterSchema as ClusterFilterSchema, type Filter as ClusterFilter } from '../../../xds/gen/envoy/config/cluster/v3/filter_pb.js';
import type { CustomTag as TelemetryTag, MetricsOverride } from '../../config/kinds/telemetry.js';
import { canonicalServiceLabel, type TelemetryNamesView } from '../../model/proxy-views.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { TelemetryMode, TelemetryPlan, TracingPlan } from '../../telemetry/effective.js';
import { outboundClusterName } from '../names.js';
import { accessLogs } from './access-log.js';
import { tcpProxyFilter, type WeightedCluster } from './protos.js';

/** Istio's type URLs for its own filters' configs (sent as TypedStruct: Strait has no protos for them). */
export const PEER_METADATA_TYPE = 'type.googleapis.com/io.istio.http.peer_metadata.Config';
export const ISTIO_STATS_TYPE = 'type.googleapis.com/stats.PluginConfig';

/** A TypedStruct Any carrying `value` as the config of `typeUrl`. */
export function typedStruct(typeUrl: string, value: JsonObject): Any {
  return anyPack(TypedStructSchema, create(TypedStructSchema, { typeUrl, value }));
}

/** istiod's `istio.metadata_exchange` filter: servers learn the client from the request, clients the server from the response. */
export function metadataExchangeFilter(mode: TelemetryMode): HttpFilter {
  const headers = [{ istio_headers: {} }];
  const value: JsonObject = mode === 'SERVER'
    ? { downstream_discovery: headers, downstream_propagation: headers }
    : { upstream_discovery: headers, upstream_propagation: headers };
  return create(HttpFilterSchema, { name: 'istio.metadata_exchange', configType: { case: 'typedConfig', value: typedStruct(PEER_METADATA_TYPE, value) } });
}

/** istiod's TCP metadata exchange config (xdsfilters tcpMx): ALPN istio-peer-exchange, workload discovery on. */
const TCP_MX_TYPE = 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange';
const TCP_MX_VALUE: JsonObject = { protocol: 'istio-peer-exchange', enable_discovery: true };
/** The filter name istiod gives both sides of the exchange. */
export const METADATA_EXCHANGE_FILTER = 'istio.metadata_exchange';

/** istiod's TCPListenerMx: first on inbound chains, it exchanges metadata with a client sidecar over Istio mTLS. */
export function tcpMetadataExchangeFilter(): Filter {
  return create(FilterSchema, { name: METADATA_EXCHANGE_FILTER, configType: { case: 'typedConfig', value: typedStruct(TCP_MX_TYPE, TCP_MX_VALUE) } });
}

/** istiod's TCPClusterMx: the upstream side, in an outbound cluster's `filters`. */
export function clusterMetadataExchangeFilter(): ClusterFilter {
  return create(ClusterFilterSchema, { name: METADATA_EXCHANGE_FILTER, typedConfig: typedStruct(TCP_MX_TYPE, TCP_MX_VALUE) });
}

/** Telemetry's metric enum -> the istio.stats metric name (without `istio_`). */
const METRIC_NAMES: Record<string, string> = {
  REQUEST_COUNT: 'requests_total', REQUEST_DURATION: 'request_duration_milliseconds', REQUEST_SIZE: 'request_bytes',
  RESPONSE_SIZE: 'response_bytes', TCP_OPENED_CONNECTIONS: 'tcp_connections_opened_total',
  TCP_CLOSED_CONNECTIONS: 'tcp_connections_closed_total', TCP_SENT_BYTES: 'tcp_sent_bytes_total',
  TCP_RECEIVED_BYTES: 'tcp_received_bytes_total', GRPC_REQUEST_MESSAGES: 'request_messages_total',
  GRPC_RESPONSE_MESSAGES: 'response_messages_total',
};

/** Telemetry metric overrides as the stats plugin's `metrics` list (one entry per metric, later overrides win). */
export function statsMetrics(overrides: readonly MetricsOverride[]): JsonObject[] {
  const byName = new Map<string, { dimensions: Record<string, string>; tags_to_remove: string[]; drop: boolean }>();
  for (const o of overrides) {
    const metric = o.match?.customMetric ?? o.match?.metric ?? 'ALL_METRICS';
    const names = metric === 'ALL_METRICS' ? Object.values(METRIC_NAMES) : [METRIC_NAMES[metric] ?? metric];
    for (const name of names) {
      let m = byName.get(name);
      if (m === undefined) byName.set(name, (m = { dimensions: {}, tags_to_remove: [], drop: false }));
      if (o.disabled !== undefined) m.drop = o.disabled;
      for (const [tag, t] of Object.entries(o.tagOverrides ?? {})) {
        if (t.operation === 'REMOVE') {
          delete m.dimensions[tag];
          if (!m.tags_to_remove.includes(tag)) m.tags_to_remove.push(tag);
        } else if (t.value !== undefined) {
          m.dimensions[tag] = t.value;
          m.tags_to_remove = m.tags_to_remove.filter((x) => x !== tag);
        }
      }
    }
  }
  return [...byName].map(([name, m]) => {
    const out: JsonObject = { name };
    if (Object.keys(m.dimensions).length > 0) out['dimensions'] = m.dimensions;
    if (m.tags_to_remove.length > 0) out['tags_to_remove'] = m.tags_to_remove;
    if (m.drop) out['drop'] = true;
    return out;
  });
}

/** istiod's `istio.stats` filter; inbound and gateway listeners don't fall back to the Host header for destination_service. */
export function istioStatsFilter(overrides: readonly MetricsOverride[], disableHostHeaderFallback: boolean): HttpFilter {
  const value: JsonObject = { metrics: statsMetrics(overrides) };
  if (disableHostHeaderFallback) value['disable_host_header_fallback'] = true;
  return create(HttpFilterSchema, { name: 'istio.stats', configType: { case: 'typedConfig', value: typedStruct(ISTIO_STATS_TYPE, value) } });
}

/** A TCP chain's filters: istio.stats (TCP metrics) when metrics are on, then tcp_proxy with the plan's access logs. */
export function tcpFilters(target: string | WeightedCluster[], plan: TelemetryPlan, mesh: MeshConfig): Filter[] {
  const stats = plan.metrics === null ? [] : [create(FilterSchema, { name: 'istio.stats', configType: {
    case: 'typedConfig', value: typedStruct(ISTIO_STATS_TYPE, { metrics: statsMetrics(plan.metrics.overrides) }) } })];
  return [...stats, tcpProxyFilter(target, accessLogs(plan.accessLogs, mesh))];
}

/** The workload's canonical service and revision, as the injector labels them. */
export function canonicalNames(proxy: TelemetryNamesView): { service: string; revision: string } {
  const l = proxy.labels;
  return {
    service: canonicalServiceLabel(l) ?? proxy.workloadName,
    revision: l['service.istio.io/canonical-revision'] ?? l['app.kubernetes.io/version'] ?? l['version'] ?? 'latest',
  };
}

function customTag(tag: string, t: TelemetryTag): CustomTag | undefined {
  if (t.literal !== undefined) return create(CustomTagSchema, { tag, type: { case: 'literal', value: { value: t.literal.value ?? '' } } });
  if (t.environment !== undefined) {
    return create(CustomTagSchema, { tag, type: { case: 'environment', value: { name: t.environment.name ?? '', defaultValue: t.environment.defaultValue ?? '' } } });
  }
  if (t.header !== undefined) {
    return create(CustomTagSchema, { tag, type: { case: 'requestHeader', value: { name: t.header.name ?? '', defaultValue: t.header.defaultValue ?? '' } } });
  }
  return undefined;
}

/** The istio.* tags istiod puts on every span, then the Telemetry's custom tags. */
function spanTags(plan: TracingPlan, proxy: TelemetryNamesView, trustDomain: string): CustomTag[] {
  const names = canonicalNames(proxy);
  const literal = (tag: string, value: string): CustomTag => create(CustomTagSchema, { tag, type: { case: 'literal', value: { value } } });
  const tags = [
    literal('istio.canonical_revision', names.revision), literal('istio.canonical_service', names.service),
    literal('istio.cluster_id', proxy.clusterId),
    literal('istio.mesh_id', proxy.meshId || trustDomain), literal('istio.namespace', proxy.namespace),
  ];
  for (const [tag, t] of Object.entries(plan.customTags).sort(([a], [b]) => a.localeCompare(b))) {
    const c = customTag(tag, t);
    if (c !== undefined) tags.push(c);
  }
  return tags;
}

/** The provider section: Zipkin to `outbound|port||service` at /api/v2/spans, or OTLP/HTTP; null = the bootstrap's tracer. */
function tracingProvider(plan: TracingPlan, proxy: TelemetryNamesView): Tracing_Http | undefined {
  const p = plan.provider;
  if (p?.zipkin !== undefined) {
    const zipkin = create(ZipkinConfigSchema, {
      collectorCluster: outboundClusterName(p.zipkin.port, '', p.zipkin.service), collectorEndpoint: p.zipkin.path ?? '/api/v2/spans',
      collectorEndpointVersion: ZipkinVersion.HTTP_JSON, traceId128bit: true, sharedSpanContext: false, collectorHostname: p.zipkin.service,
    });
    return create(Tracing_HttpSchema, { name: 'envoy.tracers.zipkin', configType: { case: 'typedConfig', value: anyPack(ZipkinConfigSchema, zipkin) } });
  }
  if (p?.opentelemetry !== undefined) {
    const o = p.opentelemetry;
    const cluster = outboundClusterName(o.port, '', o.service);
    const otel = create(OpenTelemetryConfigSchema, {
      serviceName: `${canonicalNames(proxy).service}.${proxy.namespace}`,
      httpService: { httpUri: { uri: `http://${o.service}:${o.port}${o.http?.path ?? '/v1/traces'}`, httpUpstreamType: { case: 'cluster', value: cluster }, timeout: { seconds: 2n, nanos: 0 } } },
    });
    return create(Tracing_HttpSchema, { name: 'envoy.tracers.opentelemetry', configType: { case: 'typedConfig', value: anyPack(OpenTelemetryConfigSchema, otel) } });
  }
  return undefined;
}

/** The HCM `tracing` section for a plan: sampling percentages, tags and (with a Telemetry provider) the tracer. */
export function hcmTracing(plan: TracingPlan, proxy: TelemetryNamesView, trustDomain: string): HttpConnectionManager_Tracing {
  const maxTag = plan.provider?.zipkin?.maxTagLength;
  return create(HttpConnectionManager_TracingSchema, {
    clientSampling: { value: 100 }, randomSampling: { value: plan.samplingPercent }, overallSampling: { value: 100 },
    customTags: spanTags(plan, proxy, trustDomain),
    provider: tracingProvider(plan, proxy),
    ...(maxTag !== undefined && maxTag > 0 ? { maxPathTagLength: maxTag } : {}),
  });
}
