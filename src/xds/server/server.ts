// The xDS management server: a grpc-js server with Envoy's AggregatedDiscoveryService (SotW
// and delta ADS) and SecretDiscoveryService over a snapshot cache, with keep-alive and a per-proxy status view.
import { create } from '@bufbuild/protobuf';
import { Server, ServerCredentials, status as GrpcStatus, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ControlPlaneSchema } from '../gen/envoy/config/core/v3/base_pb.js';
import { AggregatedDiscoveryService } from '../gen/envoy/service/discovery/v3/ads_pb.js';
import { SecretDiscoveryService } from '../gen/envoy/service/secret/v3/sds_pb.js';
import type {
  DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { LiveStream, StreamContext, XdsLog } from './ads-stream.js';
import { DeltaStream } from './delta-stream.js';
import { grpcServiceDefinition } from './grpc-service.js';
import { StatusBoard, type ProxyStatus, type XdsEvents } from './proxy-status.js';
import { SnapshotCache, type NodeKeyFn } from './snapshot-cache.js';
import { installSharedFrames } from './shared-frames.js';
import { SotwStream } from './sotw-stream.js';

/** Options of startXdsServer. */
export interface XdsServerOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; default 15010 (Istio's plaintext xDS port); 0 picks a free one. */
  port?: number;
  /** A whole gRPC listen address instead of host and port, such as `unix:/run/agent/socket` (the agent's SDS). */
  address?: string;
  /** The snapshot cache to serve; default a new one keyed by `nodeKey`. */
  cache?: SnapshotCache;
  /** How a node maps to its snapshot key when the server makes the cache; default the node id. */
  nodeKey?: NodeKeyFn;
  /** Server keep-alive ping interval on idle connections; default 30 s (Istio's). */
  keepaliveTimeMs?: number;
  /** How long to wait for a ping's answer before closing the connection; default 10 s. */
  keepaliveTimeoutMs?: number;
  /** Close connections after this age so clients rebalance across replicas; default never. */
  maxConnectionAgeMs?: number;
  /** Sent as control_plane.identifier in every response when set. */
  controlPlaneId?: string;
  /** TLS credentials; default plaintext. */
  credentials?: ServerCredentials;
  /** Connect, disconnect, ACK and NACK callbacks (a control plane generates snapshots on connect). */
  events?: XdsEvents;
  /** Where connects, NACKs and protocol errors are logged; default nowhere. */
  log?: XdsLog;
}

/** A running xDS server. */
export interface XdsServer {
  /** The bound port. */
  readonly port: number;
  /** The snapshot cache: setSnapshot(key, snapshot) pushes to that key's streams. */
  readonly cache: SnapshotCache;
  /** Every connected proxy with its per-type sent/ACKed/NACKed state. */
  status(): ProxyStatus[];
  /** Ends every stream and stops the server. */
  close(): Promise<void>;
}

/** How long close() waits for streams to wind down before cutting connections. */
const SHUTDOWN_GRACE_MS = 1000;

function bind(server: Server, address: string, creds: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port)));
  });
}

/** Starts an ADS server (SotW and delta) on host:port and resolves once it listens. */
export async function startXdsServer(options: XdsServerOptions = {}): Promise<XdsServer> {
  const cache = options.cache ?? new SnapshotCache({ nodeKey: options.nodeKey });
  const board = new StatusBoard(options.events);
  const streams = new Set<LiveStream>();
  let streamIds = 0;
  let nonces = 0;
  const ctx: StreamContext = {
    cache, board,
    log: options.log ?? (() => {}),
    controlPlane: options.controlPlaneId !== undefined
      ? create(ControlPlaneSchema, { identifier: options.controlPlaneId }) : undefined,
    nextStreamId: () => ++streamIds,
    nextNonce: () => (++nonces).toString(),
    streamClosed: (s) => { streams.delete(s); },
  };
  const grpcOptions: Record<string, number> = {
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 30_000,
    'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 10_000,
  };
  if (options.maxConnectionAgeMs !== undefined) grpcOptions['grpc.max_connection_age_ms'] = options.maxConnectionAgeMs;
  // Every stream's response then references one buffer of the shared resources instead of copying it.
  installSharedFrames();
  const server = new Server(grpcOptions);
  const impl: UntypedServiceImplementation = {
    streamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
      streams.add(new SotwStream(call, ctx));
    },
    deltaAggregatedResources: (call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => {
      streams.add(new DeltaStream(call, ctx));
    },
  };
  server.addService(grpcServiceDefinition(AggregatedDiscoveryService), impl);
  // SDS on its own service (Envoy's api_config_source for secrets): the same streams, over the same cache.
  server.addService(grpcServiceDefinition(SecretDiscoveryService), {
    streamSecrets: impl['streamAggregatedResources']!, deltaSecrets: impl['deltaAggregatedResources']!,
  });
  const host = options.host ?? '127.0.0.1';
  const address = options.address
    ?? (host.includes(':') ? `[${host}]:${options.port ?? 15010}` : `${host}:${options.port ?? 15010}`);
  const port = await bind(server, address, options.credentials ?? ServerCredentials.createInsecure());
  let closing: Promise<void> | undefined;
  return {
    port,
    cache,
    status: () => board.list(cache),
    close: () => (closing ??= new Promise<void>((resolve) => {
      for (const s of [...streams]) s.finish(GrpcStatus.OK, 'xDS server shutting down');
      const timer = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    })),
  };
}
