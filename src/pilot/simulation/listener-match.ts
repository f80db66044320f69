// Which listener and filter chain a connection lands on: exact address:port, then 0.0.0.0:port, then
// virtualOutbound's original-destination chains (inbound calls: virtualInbound); chains are matched by the
// proxy's own FilterChainManager, after the listener filters that run on the port (filter_disabled).
import type { Listener } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import type { FilterChain } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import { FilterChainManager, type ConnectionMatchInfo } from '../../proxy/listener/filter-chain-manager.js';
import { compilePredicate } from '../../proxy/listener/filter-predicate.js';
import type { Call } from './types.js';

/** Istio's names for the sidecar's catch-all outbound listener on 15001 and its inbound one on 15006. */
export const VIRTUAL_OUTBOUND = 'virtualOutbound';
export const VIRTUAL_INBOUND = 'virtualInbound';
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

/**
 * The listener a connection to ip:port is handled by (bind_to_port false ones included, via
 * virtualOutbound); an inbound call is redirected to virtualInbound.
 */
export function matchListener(listeners: readonly Listener[], ip: string, port: number, inbound = false): Listener | undefined {
  if (inbound) return listeners.find((l) => l.name === VIRTUAL_INBOUND);
  return listenerOn(listeners, ip, port) ?? listenerOn(listeners, '0.0.0.0', port)
    ?? listeners.find((l) => l.name === VIRTUAL_OUTBOUND)
    ?? listeners.find((l) => l.useOriginalDst === true);
}

/** Whether the listener runs filter `name` on a connection to `port` (filter_disabled not matching it). */
function runsListenerFilter(l: Listener, name: string, port: number): boolean {
  return l.listenerFilters.some((f, i) => f.name === name
    && (f.filterDisabled === undefined || !compilePredicate(f.filterDisabled, `.listener_filters[${i}].filter_disabled`)(port)));
}

/** What the listener filters learn about the call (no tls_inspector: raw_buffer, no SNI or ALPN). */
export function connectionInfo(l: Listener, call: Call, port: number): ConnectionMatchInfo {
  const tlsInspector = runsListenerFilter(l, TLS_INSPECTOR, port);
  const isTls = call.protocol === 'tls';
  let alpn: readonly string[] = [];
  if (isTls && tlsInspector) alpn = call.alpn ?? [];
  if (!isTls && (call.protocol === 'http' || call.protocol === 'http2') && runsListenerFilter(l, HTTP_INSPECTOR, port)) {
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
