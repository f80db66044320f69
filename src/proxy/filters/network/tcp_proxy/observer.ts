// What a network filter before tcp_proxy (istio.stats) learns of each proxied connection:
// it opened, its upstream connected, it closed; bytes are read from the connection's StreamInfo.
import type { StreamInfo } from '../../../http/stream-info.js';

/** One connection's hooks, from TcpConnectionObserver.onOpen. */
export interface TcpConnectionTracker {
  onUpstreamConnected(): void;
  /** Both sides are closed; the info is final. */
  onClose(): void;
}

/** A network filter that watches the tcp_proxy connections of its chain. */
export interface TcpConnectionObserver {
  onOpen(info: StreamInfo): TcpConnectionTracker;
}
