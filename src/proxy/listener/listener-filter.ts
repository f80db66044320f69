// The listener filter contract (Envoy's Network::ListenerFilter): filters that run on an accepted
// socket before a filter chain is chosen, reading what they need without consuming it.
import type { Socket } from 'node:net';
import type { ConnectionMatchInfo } from './filter-chain-manager.js';

/** How a listener filter ended. */
export const enum ListenerFilterResult {
  /** Go on with the next filter, then filter chain matching. */
  Continue,
  /** Close the connection (the filter rejected it). */
  Close,
  /** The peer closed before the filter was done (Envoy's downstream_listener_filter_remote_close). */
  RemoteClose,
}

/** Told once when a filter is done. */
export interface ListenerFilterCallbacks {
  onListenerFilterDone(result: ListenerFilterResult): void;
}

/** One filter instance, for one connection. */
export interface ListenerFilter {
  /** Starts on `socket`; fills in `info` (SNI, ALPN, transport protocol) and calls back once. */
  onAccept(socket: Socket, info: ConnectionMatchInfo, callbacks: ListenerFilterCallbacks): void;
  /** Stops early (listener_filters_timeout, or the connection went away): detaches, leaving the bytes read in the socket. */
  cancel(): void;
}

/** Makes a filter per connection; built once from the listener's config. */
export interface ListenerFilterFactory {
  readonly name: string;
  createFilter(): ListenerFilter;
}
