// One built filter chain: its transport (plain or downstream TLS), the network RBAC filters that gate
// it, and its terminal network filter (http_connection_manager, or tcp_proxy after Istio's
// istio.metadata_exchange and istio.stats).
import type { JsonObject } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import type { FilterChain } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import type { HttpConnectionManager } from '../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { TcpProxy } from '../../xds/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { RBAC as NetworkRbac } from '../../xds/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import type { NetworkRbacConfig } from '../filters/network/rbac/network-rbac.js';
import { unpackTypedConfig } from '../filters/typed-config.js';
import type { TcpConnectionObserver } from '../filters/network/tcp_proxy/observer.js';
import { STATS_PLUGIN_TYPE } from '../istio/stats-config.js';
import {
  ExchangeConfigError, METADATA_EXCHANGE_TYPE, MetadataExchangeConfig, parseMetadataExchange,
} from '../istio/tcp-metadata-exchange.js';
import { formatPath } from '../bootstrap/config-error.js';
import { TcpProxyConfig } from '../filters/network/tcp_proxy/config.js';
import type { HcmConfig } from '../http/conn-manager/config.js';
import { buildHcmConfig, type HcmContext } from '../http/conn-manager/hcm-factory.js';
import type { StatsStore } from '../stats/store.js';
import { TlsConfigError } from '../tls/errors.js';
import type { ServerTlsContext } from '../tls/server-context.js';
import { serverTransport } from '../tls/transport-socket.js';
import { durationMs } from '../util/duration.js';
import { onFirstUse } from '../util/on-first-use.js';
import { listenerFail } from './errors.js';

const networkRbac = onFirstUse<typeof import('../filters/network/rbac/network-rbac.js')>(new URL('../filters/network/rbac/network-rbac.js', import.meta.url));
const istioTcpStats = onFirstUse<typeof import('../istio/istio-tcp-stats.js')>(new URL('../istio/istio-tcp-stats.js', import.meta.url));

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const NETWORK_RBAC_TYPE = 'envoy.extensions.filters.network.rbac.v3.RBAC';

/** An istio.metadata_exchange network filter's config; errors name the field. */
function metadataExchange(json: JsonObject | undefined, any: Any, at: string): MetadataExchangeConfig {
  try {
    return new MetadataExchangeConfig(parseMetadataExchange(json, any));
  } catch (e) {
    if (e instanceof ExchangeConfigError) listenerFail(e.field === '' ? at : `${at}.${e.field}`, e.message);
    throw e;
  }
}

/** What building a listener's filter chains needs from the server. */
export type ListenerContext = Omit<HcmContext, 'fieldPath'> & { readonly stats: StatsStore };

/** The filter that ends the chain and owns the connection. */
export type TerminalFilter =
  | { readonly kind: 'hcm'; readonly config: HcmConfig }
  | { readonly kind: 'tcp_proxy'; readonly config: TcpProxyConfig };

/** A compiled filter chain. */
export class FilterChainImpl {
  readonly name: string;
  /** Downstream TLS, or null for plain TCP. */
  readonly tls: ServerTlsContext | null;
  /** null when the chain has no filters (Envoy closes such connections). */
  readonly terminal: TerminalFilter | null;
  /** transport_socket_connect_timeout in ms (0 = none). */
  readonly handshakeTimeoutMs: number;
  /** Network RBAC filters before the terminal filter, in chain order. */
  readonly rbac: readonly NetworkRbacConfig[];

  /** `path` is the chain's field path (`.static_resources.listeners[0].filter_chains[1]`). */
  constructor(proto: FilterChain, ctx: ListenerContext, path: string) {
    this.name = proto.name;
    try {
      this.tls = serverTransport(proto.transportSocket, []);
    } catch (e) {
      if (!(e instanceof TlsConfigError)) throw e;
      listenerFail(`${path}.transport_socket${formatPath(e.path)}`, e.detail);
    }
    this.handshakeTimeoutMs = durationMs(proto.transportSocketConnectTimeout, 0);
    let terminal: TerminalFilter | null = null;
    const observers: TcpConnectionObserver[] = [];
    let peerExchange: MetadataExchangeConfig | undefined;
    const rbac: NetworkRbacConfig[] = [];
    for (let i = 0; i < proto.filters.length; i++) {
      const f = proto.filters[i];
      const at = `${path}.filters[${i}]`;
      if (f.configType.case !== 'typedConfig') listenerFail(at, `network filter '${f.name}' needs a typed_config`);
      if (terminal !== null) listenerFail(at, `network filter '${f.name}' follows the terminal filter of the chain`);
      const tc = unpackTypedConfig(f.configType.value);
      const msg = tc.message;
      const typeName = tc.typeName;
      if (typeName === STATS_PLUGIN_TYPE) {
        observers.push(new (istioTcpStats().IstioTcpStats)(tc.json ?? {}, { ...ctx, fieldPath: `${at}.typed_config` }));
      } else if (typeName === NETWORK_RBAC_TYPE) {
        rbac.push(new (networkRbac().NetworkRbacConfig)(msg as NetworkRbac, ctx.stats, `${at}.typed_config`));
      } else if (typeName === METADATA_EXCHANGE_TYPE) {
        // Before an HCM it stays inert: Istio's HTTP chains never negotiate its ALPN (h2, http/1.1 only).
        peerExchange = metadataExchange(tc.json, f.configType.value, `${at}.typed_config`);
      } else if (typeName === HCM_TYPE) {
        if (observers.length > 0) listenerFail(at, 'the istio.stats network filter is only supported before tcp_proxy');
        terminal = { kind: 'hcm', config: buildHcmConfig(msg as HttpConnectionManager, { ...ctx, fieldPath: `${at}.typed_config` }) };
      } else if (typeName === TCP_PROXY_TYPE) {
        terminal = { kind: 'tcp_proxy', config: new TcpProxyConfig(msg as TcpProxy, {
          clusterManager: ctx.clusterManager, stats: ctx.stats, fieldPath: `${at}.typed_config`,
          localNode: ctx.localNode, trafficDirection: ctx.trafficDirection, observers, peerExchange,
        }) };
      } else {
        listenerFail(at, `network filter '${f.name}' (${typeName}) is not supported by Strait`);
      }
    }
    this.terminal = terminal;
    this.rbac = rbac;
  }
}
