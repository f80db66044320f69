// The xDS server's public surface: start a server, build snapshots, read proxy status.
// Everything Strait's control plane (and tests) needs from src/xds/server comes from here.
export { startXdsServer, type XdsServer, type XdsServerOptions } from './server.js';
export { SnapshotCache, type SnapshotCacheOptions, type NodeKeyFn, type SnapshotListener } from './snapshot-cache.js';
export {
  Snapshot, createSnapshot, snapshotOf, resourceHash,
  type SnapshotResource, type TypeSnapshot, type ResourceInput, type TypeInput,
} from './snapshot.js';
export type { ProxyStatus, TypeStatus, NackRecord, SyncState, XdsEvents } from './proxy-status.js';
export type { XdsLog } from './ads-stream.js';
export { grpcServiceDefinition } from './grpc-service.js';
export {
  LISTENER_TYPE, ROUTE_TYPE, CLUSTER_TYPE, ENDPOINT_TYPE, SECRET_TYPE, VIRTUAL_HOST_TYPE, VHDS_CLIENT_FEATURE, CORE_TYPES, typeUrlOf, shortTypeName, vhdsNamespace,
} from './type-urls.js';
