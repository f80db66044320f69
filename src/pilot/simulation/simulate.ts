// simulate(): follows one described call through a proxy's Envoy config as Istio's pilot simulation does:
// listener, filter chain, HCM route or tcp_proxy cluster, then the cluster in CDS and its endpoints.
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { FilterChain } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import type { TcpProxy } from '../../xds/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { registry } from '../../xds/registry.js';
import { clusterEndpoints, findCluster } from './clusters.js';
import { routeHttp, unpackHcm } from './http-route.js';
import { DEFAULT_ADDRESS, connectionInfo, matchFilterChain, matchListener } from './listener-match.js';
import type { Call, ProxyConfig, SimulationResult } from './types.js';

const TCP_PROXY = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

function tcpProxyOf(fc: FilterChain): TcpProxy | null {
  for (const f of fc.filters) {
    const t = f.configType;
    if (t.case === 'typedConfig' && t.value.typeUrl.endsWith(TCP_PROXY)) {
      return (anyUnpack(t.value, registry) as TcpProxy | undefined) ?? null;
    }
  }
  return null;
}

function hcmOf(fc: FilterChain): ReturnType<typeof unpackHcm> {
  for (const f of fc.filters) {
    const t = f.configType;
    if (t.case === 'typedConfig') {
      const h = unpackHcm(t.value);
      if (h !== null) return h;
    }
  }
  return null;
}

/** tcp_proxy's cluster, or its weighted clusters with the one `pickWeighted` selects (cumulative weights). */
function routeTcp(tcp: TcpProxy, call: Call, result: SimulationResult): void {
  const spec = tcp.clusterSpecifier;
  if (spec.case === 'cluster') {
    result.cluster = spec.value;
  } else if (spec.case === 'weightedClusters') {
    const list = spec.value.clusters.map((c) => ({ name: c.name, weight: c.weight }));
    result.weightedClusters = list;
    const total = list.reduce((s, c) => s + c.weight, 0);
    let pick = total > 0 ? (call.pickWeighted ?? 0) % total : 0;
    for (const c of list) {
      if (pick < c.weight) {
        result.cluster = c.name;
        break;
      }
      pick -= c.weight;
    }
  }
}

/** Where `call` goes through `config`; never throws for unroutable calls (see `error`), only for invalid config. */
export function simulate(config: ProxyConfig, call: Call): SimulationResult {
  const result: SimulationResult = {};
  const address = call.address ?? DEFAULT_ADDRESS;
  const port = call.callerIsExplicitProxy?.listenerPort ?? call.port;
  const listener = matchListener(config.listeners, address, port, call.callMode === 'inbound');
  if (listener === undefined) {
    result.error = 'NoListener';
    return result;
  }
  result.listener = listener.name;
  if (listener.filterChainMatcher !== undefined) {
    result.error = 'UnsupportedFilter';
    result.errorDetail = 'filter_chain_matcher (the matching API) is not simulated';
    return result;
  }
  const fc = matchFilterChain(listener, connectionInfo(listener, call, port));
  if (fc === null) {
    result.error = 'NoFilterChain';
    return result;
  }
  result.filterChain = fc.name;
  // A chain that terminates TLS cannot read a plain-text client.
  if (fc.transportSocket !== undefined && call.protocol !== 'tls') {
    result.error = 'TLSError';
    return result;
  }
  const hcm = hcmOf(fc);
  if (hcm !== null) {
    // TLS into an HCM that does not terminate it, or raw TCP into an HCM, cannot be decoded.
    if ((call.protocol === 'tls' && fc.transportSocket === undefined) || call.protocol === 'tcp') {
      result.error = 'ProtocolError';
      return result;
    }
    routeHttp(hcm, config.routes, call, address, result);
  } else {
    const tcp = tcpProxyOf(fc);
    if (tcp === null) {
      result.error = 'UnsupportedFilter';
      result.errorDetail = `filter chain "${fc.name}" has neither an HCM nor a tcp_proxy: ${fc.filters.map((f) => f.name).join(', ')}`;
      return result;
    }
    routeTcp(tcp, call, result);
  }
  if (result.error !== undefined || result.cluster === undefined || result.cluster === '') return result;
  const cluster = findCluster(config, result.cluster);
  if (cluster === undefined) {
    result.error = 'NoCluster';
    result.errorDetail = `cluster "${result.cluster}" not in clusters`;
    return result;
  }
  result.endpoints = clusterEndpoints(config, cluster);
  return result;
}

/** simulate() for each call, results in the same order. */
export function simulateMany(config: ProxyConfig, calls: readonly Call[]): SimulationResult[] {
  return calls.map((c) => simulate(config, c));
}
