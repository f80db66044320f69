// What an RBAC policy is checked against: the connection's addresses, SNI and peer certificate,
// the request headers (HTTP only) and the dynamic metadata, read from a stream's StreamInfo.
import type { RequestHead } from '../../http/headers.js';
import type { DynamicMetadata, StreamInfo } from '../../http/stream-info.js';
import type { SslConnectionInfo } from '../../tls/ssl-connection-info.js';

/** The facts an RBAC engine reads. */
export interface RbacInput {
  /** The downstream local address (destination_ip, destination_port). */
  readonly localIp: string;
  readonly localPort: number;
  /** The connection's peer (source_ip). */
  readonly sourceIp: string;
  /** The downstream direct remote address (direct_remote_ip): the peer, before any X-Forwarded-For. */
  readonly directRemoteIp: string;
  /** The downstream remote address (remote_ip): from X-Forwarded-For when the HCM trusts it. */
  readonly remoteIp: string;
  /** SNI ('' = none). */
  readonly serverName: string;
  /** TLS facts; undefined on a plaintext connection. */
  readonly ssl: SslConnectionInfo | undefined;
  /** Request headers; undefined for the network filter. */
  readonly head: RequestHead | undefined;
  readonly metadata: DynamicMetadata;
}

/** Splits `ip:port` / `[v6]:port`; an address without a port gives port 0. */
export function splitAddress(addr: string): { ip: string; port: number } {
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    return { ip: addr.slice(1, end), port: Number(addr.slice(end + 2)) || 0 };
  }
  const colon = addr.lastIndexOf(':');
  return colon === -1 ? { ip: addr, port: 0 } : { ip: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) || 0 };
}

/** The input of an HTTP request (head) or of a connection (head undefined) from its StreamInfo. */
export function rbacInput(info: StreamInfo, head: RequestHead | undefined): RbacInput {
  const local = splitAddress(info.downstreamLocalAddress);
  const direct = splitAddress(info.downstreamDirectRemoteAddress).ip;
  return {
    localIp: local.ip, localPort: local.port, sourceIp: direct, directRemoteIp: direct,
    remoteIp: splitAddress(info.downstreamRemoteAddress).ip, serverName: info.requestedServerName,
    ssl: info.downstreamSsl, head, metadata: info.dynamicMetadata,
  };
}
