// What a network filter before tcp_proxy (istio.stats) learns of each proxied connection: it opened,
// its upstream connected and any peer metadata exchange ended, it closed; bytes are read from its StreamInfo.
import type { StreamInfo } from '../../../http/stream-info.js';

/** One connection's hooks, from TcpConnectionObserver.onOpen. */
export interface TcpConnectionTracker {
  /** The upstream is connected and the peers' metadata exchange, where one runs, is over (peers in filter state). */
  onReady(): void;
  /** Both sides are closed; the info is final. */
  onClose(): void;
}

/** A network filter that watches the tcp_proxy connections of its chain. */
export interface TcpConnectionObserver {
  onOpen(info: StreamInfo): TcpConnectionTracker;
}
