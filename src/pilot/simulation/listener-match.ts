// Which listener and filter chain a connection lands on: exact address:port, then 0.0.0.0:port, then
// virtualOutbound's original-destination chains; chains are matched by the proxy's own FilterChainManager.
import type { Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { FilterChain } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { FilterChainManager, type ConnectionMatchInfo } from '../../proxy/listener/filter-chain-manager.js';
import type { Call } from './types.js';

/** Istio's name for the sidecar's catch-all outbound listener on 15001. */
export const VIRTUAL_OUTBOUND = 'virtualOutbound';
/** The default destination address: only wildcard listeners match it. */
export const DEFAULT_ADDRESS = '1.1.1.1';
const DEFAULT_SOURCE = '10.1.1.1';
const TLS_INSPECTOR = 'envoy.filters.listener.tls_inspector';
const HTTP_INSPECTOR = 'envoy.filters.listener.http_inspector';

function socketAddress(l: Listener): { ip: string; port: number } | null {
  const a = l.address?.address;
  if (a?.case !== 'socketAddress') return null;
  const p = a.value.portSpecifier;
  return { ip: a.value.address, port: p.case === 'portValue' ? p.value : -1 };
}

function listenerOn(listeners: readonly Listener[], ip: string, port: number): Listener | undefined {
  return listeners.find((l) => {
    const a = socketAddress(l);
    return a !== null && a.ip === ip && a.port === port;
  });
}

/** The listener a connection to ip:port is handled by (bind_to_port false ones included, via virtualOutbound). */
export function matchListener(listeners: readonly Listener[], ip: string, port: number): Listener | undefined {
  return listenerOn(listeners, ip, port) ?? listenerOn(listeners, '0.0.0.0', port)
    ?? listeners.find((l) => l.name === VIRTUAL_OUTBOUND)
    ?? listeners.find((l) => l.useOriginalDst === true);
}

function hasListenerFilter(l: Listener, name: string): boolean {
  return l.listenerFilters.some((f) => f.name === name);
}

/** What the listener filters learn about the call (no tls_inspector: raw_buffer, no SNI or ALPN). */
export function connectionInfo(l: Listener, call: Call, port: number): ConnectionMatchInfo {
  const tlsInspector = hasListenerFilter(l, TLS_INSPECTOR);
  const isTls = call.protocol === 'tls';
  let alpn: readonly string[] = [];
  if (isTls && tlsInspector) alpn = call.alpn ?? [];
  if (!isTls && (call.protocol === 'http' || call.protocol === 'http2') && hasListenerFilter(l, HTTP_INSPECTOR)) {
    alpn = [call.protocol === 'http' ? 'http/1.1' : 'h2c'];
  }
  const remote = call.sourceAddress ?? DEFAULT_SOURCE;
  return {
    localIp: call.address ?? DEFAULT_ADDRESS, localPort: port, remoteIp: remote, remotePort: 50000, directRemoteIp: remote,
    serverName: isTls && tlsInspector ? (call.sni ?? '').toLowerCase() : '',
    transportProtocol: isTls && tlsInspector ? 'tls' : 'raw_buffer', alpn,
  };
}

const managers = new WeakMap<Listener, FilterChainManager<FilterChain>>();

/** The filter chain the proxy would pick, or null (Envoy closes the connection). */
export function matchFilterChain(l: Listener, info: ConnectionMatchInfo): FilterChain | null {
  let m = managers.get(l);
  if (m === undefined) {
    const a = socketAddress(l);
    m = new FilterChainManager(l.filterChains.map((fc, i) => ({
      match: fc.filterChainMatch, name: fc.name, chain: fc, path: `.filter_chains[${i}]`,
    })), l.defaultFilterChain ?? null, a === null ? l.name : `${a.ip}:${a.port}`);
    managers.set(l, m);
  }
  return m.find(info);
}
