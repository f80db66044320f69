// Names istiod gives generated resources, shared by the listener, route and cluster translators:
// cluster names, route configuration names (sidecar ports, http_proxy, gateway servers), listener names.
import type { GatewayServer } from '../config/kinds/gateway.js';

/** `outbound|<port>|<subset>|<fqdn>` (subset empty when none). */
export const outboundClusterName = (port: number, subset: string, fqdn: string): string => `outbound|${port}|${subset}|${fqdn}`;
/** `inbound|<port>||` for the app's port. */
export const inboundClusterName = (port: number): string => `inbound|${port}||`;

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

/** The explicit HTTP proxy listener's route configuration (istiod's RDSHttpProxy). */
export const HTTP_PROXY_ROUTE = 'http_proxy';
/** Sidecar outbound HTTP route configurations are named by port. */
export const sidecarRouteName = (port: number): string => String(port);

export const VIRTUAL_OUTBOUND_LISTENER = 'virtualOutbound';
export const VIRTUAL_INBOUND_LISTENER = 'virtualInbound';
export const VIRTUAL_OUTBOUND_PORT = 15001;
export const VIRTUAL_INBOUND_PORT = 15006;
/** `<address>_<port>`, as `0.0.0.0_9080`. */
export const listenerName = (address: string, port: number): string => `${address}_${port}`;

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

/** A gateway server is TLS passthrough when its TLS mode is PASSTHROUGH or AUTO_PASSTHROUGH. */
export function isPassthroughServer(s: GatewayServer): boolean {
  return s.tls?.mode === 'PASSTHROUGH' || s.tls?.mode === 'AUTO_PASSTHROUGH';
}

/**
 * istiod's gatewayRDSRouteName: `http.<port>[.<bind>]` for HTTP servers,
 * `https.<port>.<portName>.<gateway>.<namespace>[.<bind>]` for terminated HTTPS, '' for others.
 * HTTP names use the listener port (`listenerPort`, the resolved targetPort); HTTPS names keep the server's port.
 */
export function gatewayRouteName(s: GatewayServer, gatewayName: string, gatewayNamespace: string,
  listenerPort: number = s.port.number): string {
  const proto = s.port.protocol.toUpperCase();
  const bind = s.bind ? `.${s.bind}` : '';
  if (HTTP_PROTOCOLS.has(proto)) return `http.${listenerPort}${bind}`;
  if (proto === 'HTTPS' && !isPassthroughServer(s)) return `https.${s.port.number}.${s.port.name ?? ''}.${gatewayName}.${gatewayNamespace}${bind}`;
  return '';
}
