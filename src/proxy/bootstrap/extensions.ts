// The table of Envoy extensions Strait implements: names and config types per category, so the
// loader rejects any other extension as Envoy rejects one it was not built with.
import { HTTP_FILTER_DESCRIPTORS } from '../filters/http/descriptors.js';

/** Extension categories that configs name by `name` + `typed_config`. */
export type ExtensionCategory = 'network filter' | 'http filter' | 'listener filter' | 'access logger' | 'transport socket';

/** One supported extension. */
export interface ExtensionInfo {
  category: ExtensionCategory;
  /** Envoy's canonical extension name. */
  name: string;
  /** Full proto name of its `typed_config` message. */
  typeName: string;
  /** Must be the last filter of its chain (Envoy's terminal filters). */
  terminal?: boolean;
}

/** Every extension Strait implements: the HTTP filters from their descriptors, a row here for the rest. */
export const EXTENSIONS: readonly ExtensionInfo[] = [
  ...HTTP_FILTER_DESCRIPTORS.map((d): ExtensionInfo => ({
    category: 'http filter', name: d.name, typeName: d.typeName, terminal: d.terminal,
  })),
  {
    category: 'network filter', name: 'envoy.filters.network.http_connection_manager', terminal: true,
    typeName: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  },
  {
    category: 'access logger', name: 'envoy.access_loggers.file',
    typeName: 'envoy.extensions.access_loggers.file.v3.FileAccessLog',
  },
  {
    category: 'access logger', name: 'envoy.access_loggers.stdout',
    typeName: 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  },
  {
    category: 'transport socket', name: 'envoy.transport_sockets.raw_buffer',
    typeName: 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  },
  {
    category: 'transport socket', name: 'envoy.transport_sockets.tls',
    typeName: 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  },
  {
    category: 'transport socket', name: 'envoy.transport_sockets.tls',
    typeName: 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  },
  {
    category: 'listener filter', name: 'envoy.filters.listener.tls_inspector',
    typeName: 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  },
  {
    category: 'network filter', name: 'envoy.filters.network.rbac',
    typeName: 'envoy.extensions.filters.network.rbac.v3.RBAC',
  },
  {
    category: 'network filter', name: 'envoy.filters.network.tcp_proxy', terminal: true,
    typeName: 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  },
  // Istio's network extensions; their configs come as TypedStruct (no protos in Strait).
  { category: 'http filter', name: 'envoy.filters.http.peer_metadata', typeName: 'io.istio.http.peer_metadata.Config' },
  { category: 'http filter', name: 'istio.stats', typeName: 'stats.PluginConfig' },
  { category: 'http filter', name: 'istio_authn', typeName: 'istio.envoy.config.filter.http.authn.v2alpha1.FilterConfig' },
  { category: 'network filter', name: 'istio.stats', typeName: 'stats.PluginConfig' },
  {
    category: 'network filter', name: 'istio.metadata_exchange',
    typeName: 'envoy.tcp.metadataexchange.config.MetadataExchange',
  },
];

/** The HTTP router filter's name, which must end every HTTP filter chain. */
export const ROUTER_FILTER = 'envoy.filters.http.router';

/** Type name of an Any's URL (`type.googleapis.com/a.b.C` -> `a.b.C`). */
export function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

/**
 * Finds the implementation as Envoy does: by the typed_config's type when there is one,
 * otherwise by name (a router filter with no typed_config is accepted).
 */
export function findExtension(category: ExtensionCategory, name: string, typeName: string | undefined): ExtensionInfo | undefined {
  if (typeName) return EXTENSIONS.find((e) => e.category === category && e.typeName === typeName);
  return EXTENSIONS.find((e) => e.category === category && e.name === name);
}
