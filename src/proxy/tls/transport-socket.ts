// A transport_socket config -> what carries the bytes: raw_buffer (plain TCP, null here) or
// envoy.transport_sockets.tls with a DownstreamTlsContext (listeners) / UpstreamTlsContext (clusters).
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { Cluster as ClusterConfig } from '../../xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { TransportSocket } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { DownstreamTlsContext, UpstreamTlsContext } from '../../xds/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { registry } from '../../xds/registry.js';
import type { PathError, PathSeg } from '../bootstrap/config-error.js';
import { ClientTlsContext } from './client-context.js';
import { TlsConfigError, tlsFail } from './errors.js';
import { ServerTlsContext } from './server-context.js';

const TLS_PREFIX = 'envoy.extensions.transport_sockets.tls.v3.';
const DOWNSTREAM = `${TLS_PREFIX}DownstreamTlsContext`;
const UPSTREAM = `${TLS_PREFIX}UpstreamTlsContext`;
const RAW_BUFFER = 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';
const RAW_BUFFER_NAMES = new Set(['envoy.transport_sockets.raw_buffer', 'raw_buffer']);

/** The unpacked typed_config of a transport socket, or null for raw_buffer. */
function unpack(ts: TransportSocket, path: readonly PathSeg[], want: string): unknown {
  const cfg = ts.configType;
  if (cfg.case !== 'typedConfig') {
    if (RAW_BUFFER_NAMES.has(ts.name)) return null;
    return tlsFail([...path, 'typed_config'], `transport socket '${ts.name}' needs a typed_config`);
  }
  const typeName = cfg.value.typeUrl.slice(cfg.value.typeUrl.lastIndexOf('/') + 1);
  if (typeName === RAW_BUFFER) return null;
  if (typeName !== want) {
    const other = typeName === DOWNSTREAM || typeName === UPSTREAM;
    return tlsFail([...path, 'typed_config'], other
      ? `transport socket '${ts.name}': expected type.googleapis.com/${want}, got ${cfg.value.typeUrl}`
      : `Didn't find a registered implementation for '${ts.name}' with type URL: '${typeName}'`);
  }
  try {
    return anyUnpack(cfg.value, registry) ?? null;
  } catch (e) {
    return tlsFail([...path, 'typed_config'], `cannot decode ${cfg.value.typeUrl}: ${(e as Error).message}`);
  }
}

/** A listener filter chain's transport: null for plain TCP. Throws TlsConfigError. */
export function serverTransport(ts: TransportSocket | undefined, path: readonly PathSeg[]): ServerTlsContext | null {
  if (ts === undefined) return null;
  const msg = unpack(ts, path, DOWNSTREAM);
  return msg === null ? null : new ServerTlsContext(msg as DownstreamTlsContext, [...path, 'typed_config']);
}

/** A cluster's transport: null for plain TCP. Throws TlsConfigError. */
export function clientTransport(ts: TransportSocket | undefined, path: readonly PathSeg[]): ClientTlsContext | null {
  if (ts === undefined) return null;
  const msg = unpack(ts, path, UPSTREAM);
  return msg === null ? null : new ClientTlsContext(msg as UpstreamTlsContext, [...path, 'typed_config']);
}

/** clientTransport, with a config problem appended to `errors` (and null returned) instead of thrown. */
export function tryClientTransport(ts: TransportSocket | undefined, path: readonly PathSeg[],
  errors: PathError[]): ClientTlsContext | null {
  try {
    return clientTransport(ts, path);
  } catch (e) {
    if (!(e instanceof TlsConfigError)) throw e;
    errors.push({ path: [...e.path], message: e.detail });
    return null;
  }
}

/**
 * Checks every upstream TLS context of a cluster (transport_socket_matches and transport_socket)
 * and returns the cluster's default one (null for plain TCP); problems land in `errors` with paths
 * relative to the cluster, as the cluster builders report them.
 */
export function buildUpstreamTls(config: ClusterConfig, errors: PathError[]): ClientTlsContext | null {
  config.transportSocketMatches.forEach((m, i) => {
    tryClientTransport(m.transportSocket, ['transport_socket_matches', i, 'transport_socket'], errors);
  });
  return tryClientTransport(config.transportSocket, ['transport_socket'], errors);
}
