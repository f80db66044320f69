// Reads bootstrap dynamic_resources: the ADS server (api_type, transport version, the envoy_grpc
// cluster and its address) and which of LDS/CDS go over ADS; anything Strait can't do is an error.
import type { Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { ApiConfigSource_ApiType, ApiVersion, type ConfigSource } from '../../xds/gen/envoy/config/core/v3/config_source_pb.js';
import { ProxyConfigError } from '../bootstrap/config-error.js';

/** A dynamic_resources setting Strait cannot run. */
export class XdsConfigError extends ProxyConfigError {
  constructor(path: string, detail: string) {
    super(`.dynamic_resources${path}: ${detail}`);
    this.name = 'XdsConfigError';
  }
}

/** What the proxy's xDS client is to do. */
export interface AdsSettings {
  /** `host:port` of the management server (the static cluster's endpoint). */
  target: string;
  clusterName: string;
  /** DELTA_GRPC (incremental) rather than GRPC (state of the world). */
  delta: boolean;
  setNodeOnFirstMessageOnly: boolean;
  /** grpc_services[0].initial_metadata, sent with every stream. */
  initialMetadata: [string, string][];
  lds: boolean;
  cds: boolean;
}

function checkAds(source: ConfigSource | undefined, path: string): boolean {
  if (source === undefined) return false;
  if (source.configSourceSpecifier.case !== 'ads') {
    throw new XdsConfigError(path, 'only ads: {} config sources are supported by Strait');
  }
  if (source.resourceApiVersion !== ApiVersion.V3 && source.resourceApiVersion !== ApiVersion.AUTO) {
    throw new XdsConfigError(`${path}.resource_api_version`, 'only V3 resources are supported');
  }
  return true;
}

/** The ADS settings of a bootstrap, or null when it has no dynamic_resources. */
export function adsSettings(b: Bootstrap): AdsSettings | null {
  const dr = b.dynamicResources;
  if (dr === undefined) return null;
  const lds = checkAds(dr.ldsConfig, '.lds_config');
  const cds = checkAds(dr.cdsConfig, '.cds_config');
  const ads = dr.adsConfig;
  if (ads === undefined) {
    if (lds || cds) throw new XdsConfigError('.ads_config', 'lds_config/cds_config use ADS but ads_config is missing');
    return null;
  }
  if (ads.apiType !== ApiConfigSource_ApiType.GRPC && ads.apiType !== ApiConfigSource_ApiType.DELTA_GRPC) {
    const name = ApiConfigSource_ApiType[ads.apiType] ?? String(ads.apiType);
    throw new XdsConfigError('.ads_config.api_type', `api_type ${name} is not supported for ADS by Strait (use GRPC or DELTA_GRPC)`);
  }
  if (ads.transportApiVersion !== ApiVersion.V3) {
    throw new XdsConfigError('.ads_config.transport_api_version', 'only transport_api_version V3 is supported');
  }
  const svc = ads.grpcServices[0];
  if (svc === undefined || svc.targetSpecifier.case !== 'envoyGrpc') {
    throw new XdsConfigError('.ads_config.grpc_services', 'one grpc_service with envoy_grpc is required');
  }
  const clusterName = svc.targetSpecifier.value.clusterName;
  const cluster = b.staticResources?.clusters.find((c) => c.name === clusterName);
  if (cluster === undefined) {
    throw new XdsConfigError('.ads_config.grpc_services[0].envoy_grpc.cluster_name',
      `unknown cluster '${clusterName}': the xDS cluster must be a static cluster`);
  }
  if (cluster.transportSocket !== undefined || cluster.transportSocketMatches.length > 0) {
    throw new XdsConfigError('.ads_config.grpc_services[0].envoy_grpc.cluster_name',
      `cluster '${clusterName}' has a transport_socket: TLS to the xDS server is not supported by Strait yet`);
  }
  const ep = cluster.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
  const sa = ep?.case === 'endpoint' && ep.value.address?.address.case === 'socketAddress'
    ? ep.value.address.address.value : undefined;
  if (sa === undefined || sa.portSpecifier.case !== 'portValue') {
    throw new XdsConfigError('.ads_config.grpc_services[0].envoy_grpc.cluster_name',
      `cluster '${clusterName}' needs a load_assignment endpoint with a socket_address and port_value`);
  }
  const host = sa.address.includes(':') ? `[${sa.address}]` : sa.address;
  return {
    target: `${host}:${sa.portSpecifier.value}`, clusterName, delta: ads.apiType === ApiConfigSource_ApiType.DELTA_GRPC,
    setNodeOnFirstMessageOnly: ads.setNodeOnFirstMessageOnly,
    initialMetadata: svc.initialMetadata.map((h) => [h.key, h.value]), lds, cds,
  };
}
