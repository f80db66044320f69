// One built filter chain: its transport (plain or downstream TLS) and its terminal network filter
// (http_connection_manager or tcp_proxy), compiled once from the FilterChain proto.
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { FilterChain } from '../../xds/gen/envoy/config/listener/v3/listener_components_pb.js';
import type { HttpConnectionManager } from '../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { TcpProxy } from '../../xds/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { registry } from '../../xds/registry.js';
import { formatPath } from '../bootstrap/config-error.js';
import { TcpProxyConfig } from '../filters/network/tcp_proxy/config.js';
import type { HcmConfig } from '../http/conn-manager/config.js';
import { buildHcmConfig, type HcmContext } from '../http/conn-manager/hcm-factory.js';
import type { StatsStore } from '../stats/store.js';
import { TlsConfigError } from '../tls/errors.js';
import type { ServerTlsContext } from '../tls/server-context.js';
import { serverTransport } from '../tls/transport-socket.js';
import { durationMs } from '../util/duration.js';
import { listenerFail } from './errors.js';

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

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
    for (let i = 0; i < proto.filters.length; i++) {
      const f = proto.filters[i];
      const at = `${path}.filters[${i}]`;
      if (f.configType.case !== 'typedConfig') listenerFail(at, `network filter '${f.name}' needs a typed_config`);
      if (terminal !== null) listenerFail(at, `network filter '${f.name}' follows the terminal filter of the chain`);
      const msg = anyUnpack(f.configType.value, registry);
      const typeName = msg?.$typeName;
      if (typeName === HCM_TYPE) {
        terminal = { kind: 'hcm', config: buildHcmConfig(msg as HttpConnectionManager, { ...ctx, fieldPath: `${at}.typed_config` }) };
      } else if (typeName === TCP_PROXY_TYPE) {
        terminal = { kind: 'tcp_proxy', config: new TcpProxyConfig(msg as TcpProxy, {
          clusterManager: ctx.clusterManager, stats: ctx.stats, fieldPath: `${at}.typed_config`,
          localNode: ctx.localNode, trafficDirection: ctx.trafficDirection,
        }) };
      } else {
        listenerFail(at, `network filter '${f.name}' (${typeName ?? f.configType.value.typeUrl}) is not supported by Strait`);
      }
    }
    this.terminal = terminal;
  }
}
