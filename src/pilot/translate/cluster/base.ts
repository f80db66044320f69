// istiod's buildCluster (name, type, common_lb_config, alt_stat_name `<name>;`, DNS settings, load_assignment,
// upstream protocol, telemetry metadata) and maybeApplyEdsConfig (ADS, initial_fetch_timeout 0s).
import { create } from '@bufbuild/protobuf';
import {
  ClusterSchema, Cluster_CommonLbConfigSchema, Cluster_DiscoveryType, Cluster_DnsLookupFamily, Cluster_EdsClusterConfigSchema,
} from '../../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { AggregatedConfigSourceSchema, ApiVersion, ConfigSourceSchema } from '../../../xds/gen/envoy/config/core/v3/config_source_pb.js';
import { ClusterLoadAssignmentSchema } from '../../../xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { LocalityLbEndpoints } from '../../../xds/gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import type { ClustersView } from '../../model/proxy-views.js';
import type { Service, ServicePort } from '../../registry/model.js';
import { durationOfMs } from '../route/durations.js';
import { setH2, setUseDownstreamProtocol, type ClusterDraft } from './draft.js';
import { setServices } from './metadata.js';
import { isHttp2Port, isUnsupportedPort } from './protocols.js';

/** Mesh dnsRefreshRate default (60s). */
export const DNS_REFRESH_RATE_MS = 60_000;

export interface BaseClusterInput {
  name: string;
  type: Cluster_DiscoveryType;
  endpoints: LocalityLbEndpoints[];
  port: ServicePort;
  proxy: Pick<ClustersView, 'type' | 'ipv6Only'>;
  /** Services recorded in the istio.services metadata. */
  services: Service[];
}

/** The base cluster, or undefined for a STATIC/DNS cluster without endpoints (Istio drops those). */
export function baseCluster(inp: BaseClusterInput): ClusterDraft | undefined {
  const c = create(ClusterSchema, {
    name: inp.name,
    clusterDiscoveryType: { case: 'type', value: inp.type },
    commonLbConfig: create(Cluster_CommonLbConfigSchema),
    altStatName: `${inp.name};`,
  });
  const dns = inp.type === Cluster_DiscoveryType.STRICT_DNS || inp.type === Cluster_DiscoveryType.LOGICAL_DNS;
  if (dns) {
    c.dnsLookupFamily = inp.proxy.ipv6Only ? Cluster_DnsLookupFamily.V6_ONLY : Cluster_DnsLookupFamily.V4_ONLY;
    // Istio also sets typed_dns_resolver_config (c-ares, udp_max_queries 100) and dns_jitter; the
    // Envoy API we build against requires c-ares `resolvers` and has no dns_jitter, so both are left out.
    c.dnsRefreshRate = durationOfMs(DNS_REFRESH_RATE_MS);
    c.respectDnsTtl = true;
  }
  if (dns || inp.type === Cluster_DiscoveryType.STATIC) {
    if (inp.endpoints.length === 0) return undefined;
    c.loadAssignment = create(ClusterLoadAssignmentSchema, { clusterName: inp.name, endpoints: inp.endpoints });
  }
  const d: ClusterDraft = { cluster: c };
  if (isHttp2Port(inp.port.protocol)) setH2(d);
  else if (inp.proxy.type === 'sidecar' && isUnsupportedPort(inp.port.protocol)) setUseDownstreamProtocol(d);
  if (inp.services.length > 0) setServices(d, inp.services);
  return d;
}

/** EDS clusters read their endpoints over ADS under their own name. */
export function maybeApplyEdsConfig(d: ClusterDraft): void {
  if (d.cluster.clusterDiscoveryType.case !== 'type' || d.cluster.clusterDiscoveryType.value !== Cluster_DiscoveryType.EDS) return;
  d.cluster.edsClusterConfig = create(Cluster_EdsClusterConfigSchema, {
    serviceName: d.cluster.name,
    edsConfig: create(ConfigSourceSchema, {
      configSourceSpecifier: { case: 'ads', value: create(AggregatedConfigSourceSchema) },
      initialFetchTimeout: durationOfMs(0),
      resourceApiVersion: ApiVersion.V3,
    }),
  });
}
