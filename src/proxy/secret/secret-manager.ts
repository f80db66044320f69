// Envoy's SecretManager for one proxy process: secrets by name from static_resources.secrets, or
// over SDS from a config source (ads, or api_config_source GRPC to a static cluster), shared by name.
import type { Bootstrap } from '../../xds/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import type { Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import { ApiConfigSource_ApiType, type ConfigSource } from '../../xds/gen/envoy/config/core/v3/config_source_pb.js';
import type { SdsSecretConfig } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { AdsClient, SDS_METHOD, type XdsClient } from '../../xds/client/index.js';
import type { PathSeg } from '../bootstrap/config-error.js';
import { log } from '../log.js';
import { durationMs } from '../util/duration.js';
import { tlsFail } from '../tls/errors.js';
import { SecretHandle } from './secret-handle.js';
import { SdsSource } from './sds-source.js';

/** What the manager needs of the running server; without it SDS secrets are described but never fetched. */
export interface SecretManagerContext {
  bootstrap: Bootstrap;
  node: Node;
  /** The proxy's ADS client (sds_config `ads: {}`), when the bootstrap has one. */
  ads: XdsClient | null;
  /** When false, SDS sources are described but never connected (config validation). */
  connect: boolean;
}

/** The gRPC target of a static cluster's first endpoint: `host:port` or `unix:path`. */
function staticClusterTarget(b: Bootstrap, clusterName: string, path: readonly PathSeg[]): string {
  const cluster = b.staticResources?.clusters.find((c) => c.name === clusterName);
  if (cluster === undefined) tlsFail(path, `SDS cluster '${clusterName}' must be a static cluster of the bootstrap`);
  const ep = cluster.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
  const addr = ep?.case === 'endpoint' ? ep.value.address?.address : undefined;
  if (addr?.case === 'pipe') return `unix:${addr.value.path}`;
  if (addr?.case === 'socketAddress' && addr.value.portSpecifier.case === 'portValue') {
    const host = addr.value.address.includes(':') ? `[${addr.value.address}]` : addr.value.address;
    return `${host}:${addr.value.portSpecifier.value}`;
  }
  return tlsFail(path, `SDS cluster '${clusterName}' needs a load_assignment endpoint with a pipe or a socket_address and port_value`);
}

class SecretManager {
  private staticSecrets = new Map<string, SecretHandle>();
  private sources = new Map<string, SdsSource>();
  private ctx: SecretManagerContext | null = null;

  /** Loads static_resources.secrets and remembers how to reach SDS sources. */
  configure(ctx: SecretManagerContext): void {
    this.close();
    this.ctx = ctx;
    this.staticSecrets = new Map((ctx.bootstrap.staticResources?.secrets ?? []).map((s) => [s.name, new SecretHandle(s.name, 'static', s)]));
  }

  /** The handle a transport socket's SdsSecretConfig names; `path` is that config's field path. */
  find(cfg: SdsSecretConfig, path: readonly PathSeg[]): SecretHandle {
    if (cfg.sdsConfig === undefined) {
      const h = this.staticSecrets.get(cfg.name);
      if (h === undefined) tlsFail([...path, 'name'], `Unknown static secret: ${cfg.name}`);
      return h;
    }
    return this.source(cfg.sdsConfig, [...path, 'sds_config']).handle(cfg.name);
  }

  /** Every secret in use, static first (for /certs and the config dump). */
  all(): SecretHandle[] {
    return [...this.staticSecrets.values(), ...[...this.sources.values()].flatMap((s) => s.all())];
  }

  /** Resolves once every secret asked for so far has arrived or its source's initial_fetch_timeout passed. */
  async whenReady(): Promise<void> {
    await Promise.all([...this.sources.values()].map((s) => s.whenReady()));
  }

  close(): void {
    for (const s of this.sources.values()) s.close();
    this.sources.clear();
  }

  private source(cs: ConfigSource, path: readonly PathSeg[]): SdsSource {
    const ctx = this.ctx;
    const spec = cs.configSourceSpecifier;
    if (spec.case === 'ads') {
      const existing = this.sources.get('ads');
      if (existing !== undefined) return existing;
      if (ctx === null || !ctx.connect) return this.remember('ads', new SdsSource('ads', inertClient(), true, 0));
      if (ctx.ads === null) return tlsFail(path, 'sds_config ads: {} needs dynamic_resources.ads_config in the bootstrap');
      return this.remember('ads', new SdsSource('ads', ctx.ads, false, fetchTimeoutMs(cs)));
    }
    if (spec.case !== 'apiConfigSource') return tlsFail(path, 'SDS config sources other than ads and api_config_source are not supported by Strait');
    const api = spec.value;
    if (api.apiType !== ApiConfigSource_ApiType.GRPC) {
      tlsFail([...path, 'api_config_source', 'api_type'], 'only GRPC SDS config sources are supported by Strait');
    }
    const svc = api.grpcServices[0];
    if (api.grpcServices.length !== 1 || svc?.targetSpecifier.case !== 'envoyGrpc') {
      return tlsFail([...path, 'api_config_source', 'grpc_services'], 'one grpc_service with envoy_grpc is required');
    }
    const clusterName = svc.targetSpecifier.value.clusterName;
    const existing = this.sources.get(clusterName);
    if (existing !== undefined) return existing;
    if (ctx === null) return this.remember(clusterName, new SdsSource(clusterName, inertClient(), true, 0));
    const target = staticClusterTarget(ctx.bootstrap, clusterName,
      [...path, 'api_config_source', 'grpc_services', 0, 'envoy_grpc', 'cluster_name']);
    if (!ctx.connect) return this.remember(clusterName, new SdsSource(clusterName, inertClient(), true, 0));
    const client = new AdsClient({
      target, node: ctx.node, setNodeOnFirstMessageOnly: api.setNodeOnFirstMessageOnly,
      initialMetadata: svc.initialMetadata.map((h) => [h.key, h.value] as const),
      log: (level, m) => log('secret', level, `SDS ${clusterName}: ${m}`),
    }, SDS_METHOD);
    const source = this.remember(clusterName, new SdsSource(clusterName, client, true, fetchTimeoutMs(cs)));
    client.start();
    return source;
  }

  private remember(key: string, s: SdsSource): SdsSource {
    this.sources.set(key, s);
    return s;
  }
}

/** initial_fetch_timeout of a config source in ms: Envoy's default 15 s, 0 = wait for ever. */
function fetchTimeoutMs(cs: ConfigSource): number {
  return durationMs(cs.initialFetchTimeout, 15_000);
}

/** A client that never connects: what validation builds SDS sources with. */
function inertClient(): XdsClient {
  return { watch: () => {}, setNames: () => {}, isConnected: false, start: () => {}, close: () => {} };
}

/** The process's secret manager (one proxy per process, as the runtime). */
export const secretManager = new SecretManager();
