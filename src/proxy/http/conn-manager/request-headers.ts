// Envoy's ConnectionManagerUtility for requests: hop-by-hop removal, x-forwarded-*, x-request-id,
// and stripping of x-envoy-* control headers from external requests.
import { randomUUID } from 'node:crypto';
import type { RequestHead } from '../headers.js';
import { runtime } from '../../runtime/runtime.js';

/** The subset of the HCM config these mutations read. */
export interface RequestHeaderPolicy {
  useRemoteAddress: boolean;
  xffNumTrustedHops: number;
  skipXffAppend: boolean;
  generateRequestId: boolean;
  preserveExternalRequestId: boolean;
  /** HCM `via`: appended to requests and responses when non-empty. */
  via: string;
  /** Upgrade types allowed on this HCM (lower-case, e.g. "websocket"). */
  upgradeTypes: ReadonlySet<string>;
  /** HCM strip_any_host_port: `:authority` loses any `:<port>` before routing and forwarding. */
  stripAnyHostPort?: boolean;
  /** HCM strip_matching_host_port: `:authority` loses its port when it is the listener's. */
  stripMatchingHostPort?: boolean;
}

/**
 * `host:port` -> `host`, `[v6]:port` -> `[v6]`; left alone when there is no numeric port, or (with
 * `onlyPort`) when the port is another one.
 */
export function stripHostPort(authority: string, onlyPort?: number): string {
  const colon = authority.lastIndexOf(':');
  if (colon < 0 || authority.indexOf(']', colon) >= 0) return authority;
  const port = authority.slice(colon + 1);
  if (port === '' || !/^\d+$/.test(port)) return authority;
  if (onlyPort !== undefined && Number(port) !== onlyPort) return authority;
  // A bare IPv6 address without brackets has several colons: not a port.
  if (!authority.startsWith('[') && authority.indexOf(':') !== colon) return authority;
  return authority.slice(0, colon);
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te'];

/** Control headers stripped from requests Envoy doesn't trust. */
const ENVOY_CONTROL = [
  'x-envoy-retriable-status-codes', 'x-envoy-retriable-header-names', 'x-envoy-retry-on', 'x-envoy-retry-grpc-on',
  'x-envoy-max-retries', 'x-envoy-upstream-alt-stat-name', 'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms', 'x-envoy-upstream-rq-timeout-alt-response', 'x-envoy-expected-rq-timeout-ms',
  'x-envoy-force-trace', 'x-envoy-ip-tags', 'x-envoy-original-url', 'x-envoy-hedge-on-per-try-timeout',
];

/** Whether an IP is internal (RFC 1918, loopback, unique local), as Envoy's default. */
export function isInternalAddress(ip: string): boolean {
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  if (ip === '::1' || ip.startsWith('127.') || ip.startsWith('10.') || ip.startsWith('192.168.')) return true;
  if (ip.startsWith('172.')) {
    const second = Number(ip.split('.')[1]);
    return second >= 16 && second <= 31;
  }
  return /^f[cd]/i.test(ip);
}

/** Whether the request is an upgrade (WebSocket ...) that this HCM allows. */
export function upgradeType(head: RequestHead): string | undefined {
  const up = head.headers.get('upgrade');
  if (up === undefined) return undefined;
  const conn = head.headers.get('connection');
  if (head.protocol !== 'HTTP/2' && (conn === undefined || !conn.toLowerCase().includes('upgrade'))) return undefined;
  return up.toLowerCase();
}

/**
 * Envoy's maybeNormalizePath for a `#fragment` (RFC 3986 3.5: never part of a request target): refused by
 * default (runtime envoy.reloadable_features.http_reject_path_with_fragment; Istio's bootstrap sets it false),
 * otherwise stripped from the path unless ..._http_strip_fragment_from_path_unsafe_if_disabled is false.
 * Returns whether the request is refused.
 */
export function rejectPathFragment(head: RequestHead): boolean {
  const hash = head.path.indexOf('#');
  if (hash === -1) return false;
  if (runtime.getBoolean('envoy.reloadable_features.http_reject_path_with_fragment', true)) return true;
  if (runtime.getBoolean('envoy.reloadable_features.http_strip_fragment_from_path_unsafe_if_disabled', true)) {
    head.path = head.path.slice(0, hash);
  }
  return false;
}

/**
 * Mutates a downstream request as Envoy's connection manager does; returns the trusted client
 * address (for %DOWNSTREAM_REMOTE_ADDRESS% and x-envoy-external-address).
 */
export function mutateRequestHeaders(head: RequestHead, policy: RequestHeaderPolicy, peerIp: string,
  localIp: string, tls: boolean, isUpgrade: boolean, localPort = 0): string {
  const h = head.headers;
  if (policy.stripAnyHostPort === true) head.authority = stripHostPort(head.authority);
  else if (policy.stripMatchingHostPort === true) head.authority = stripHostPort(head.authority, localPort);
  for (const name of HOP_BY_HOP) h.remove(name);
  if (isUpgrade) h.set('connection', 'upgrade');
  else h.remove('upgrade');
  h.remove('x-envoy-internal');

  let clientIp = peerIp;
  let internal = false;
  const xff = h.get('x-forwarded-for');
  if (policy.useRemoteAddress) {
    if (policy.xffNumTrustedHops > 0 && xff !== undefined) {
      const parts = xff.split(',');
      const idx = parts.length - policy.xffNumTrustedHops;
      if (idx >= 0 && idx < parts.length) clientIp = parts[idx].trim();
    }
    if (!policy.skipXffAppend) {
      const appended = isInternalAddress(peerIp) && peerIp.startsWith('127.') ? localIp : peerIp;
      h.set('x-forwarded-for', xff === undefined ? appended : `${xff}, ${appended}`);
    }
    if (policy.xffNumTrustedHops === 0 || !h.has('x-forwarded-proto')) h.set('x-forwarded-proto', tls ? 'https' : 'http');
    internal = xff === undefined && isInternalAddress(clientIp);
    if (internal) h.set('x-envoy-internal', 'true');
    else {
      h.set('x-envoy-external-address', clientIp);
      for (const name of ENVOY_CONTROL) h.remove(name);
      h.remove('x-envoy-decorator-operation');
      h.remove('x-envoy-downstream-service-cluster');
      h.remove('x-envoy-downstream-service-node');
    }
  } else {
    if (xff !== undefined) {
      const parts = xff.split(',');
      const idx = parts.length - 1 - policy.xffNumTrustedHops;
      if (idx >= 0) clientIp = parts[idx].trim();
    }
    h.setIfAbsent('x-forwarded-proto', tls ? 'https' : 'http');
  }

  if (policy.generateRequestId) {
    const edge = policy.useRemoteAddress && !internal;
    if (!h.has('x-request-id') || (edge && !policy.preserveExternalRequestId)) h.set('x-request-id', randomUUID());
  }
  if (policy.via !== '') {
    const via = h.get('via');
    h.set('via', via === undefined ? policy.via : `${via}, ${policy.via}`);
  }
  return clientIp;
}
