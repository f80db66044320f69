// envoy.filters.listener.tls_inspector: reads the ClientHello without consuming it (the bytes go
// back into the socket with unshift) and sets the connection's transport protocol, SNI and ALPN.
import type { Socket } from 'node:net';
import type { Counter, Histogram, StatsStore } from '../stats/store.js';
import { HelloState } from '../tls/client-hello.js';
import { ClientHelloPeek, type HelloOutcome } from '../tls/client-hello-peek.js';
import type { ConnectionMatchInfo } from './filter-chain-manager.js';
import { ListenerFilterResult, type ListenerFilter, type ListenerFilterCallbacks, type ListenerFilterFactory } from './listener-filter.js';

/** Envoy's `tls_inspector.*` stats (a root scope, shared by every listener). */
class TlsInspectorStats {
  readonly tls_found: Counter;
  readonly tls_not_found: Counter;
  readonly alpn_found: Counter;
  readonly alpn_not_found: Counter;
  readonly sni_found: Counter;
  readonly sni_not_found: Counter;
  readonly client_hello_too_large: Counter;
  readonly bytes_processed: Histogram;

  constructor(store: StatsStore) {
    const s = store.scope('tls_inspector');
    this.tls_found = s.counter('tls_found');
    this.tls_not_found = s.counter('tls_not_found');
    this.alpn_found = s.counter('alpn_found');
    this.alpn_not_found = s.counter('alpn_not_found');
    this.sni_found = s.counter('sni_found');
    this.sni_not_found = s.counter('sni_not_found');
    this.client_hello_too_large = s.counter('client_hello_too_large');
    this.bytes_processed = s.histogram('bytes_processed', 'bytes');
  }
}

/** The tls_inspector factory of one listener. */
export class TlsInspectorFactory implements ListenerFilterFactory {
  readonly name = 'envoy.filters.listener.tls_inspector';
  readonly stats: TlsInspectorStats;

  constructor(store: StatsStore) {
    this.stats = new TlsInspectorStats(store);
  }

  createFilter(): ListenerFilter {
    return new TlsInspector(this.stats);
  }
}

/** One inspection. */
class TlsInspector implements ListenerFilter {
  private peek: ClientHelloPeek | null = null;

  constructor(private readonly stats: TlsInspectorStats) {}

  onAccept(socket: Socket, info: ConnectionMatchInfo, callbacks: ListenerFilterCallbacks): void {
    this.peek = new ClientHelloPeek(socket, (r, bytesRead) => {
      this.peek = null;
      callbacks.onListenerFilterDone(this.record(r, bytesRead, info));
    });
  }

  /** Counts what the peek found and fills in `info`; the filter's result. */
  private record(r: HelloOutcome | null, bytesRead: number, info: ConnectionMatchInfo): ListenerFilterResult {
    const stats = this.stats;
    if (r === null) return ListenerFilterResult.RemoteClose;
    switch (r.state) {
      case HelloState.TooLarge:
        stats.client_hello_too_large.inc();
        return ListenerFilterResult.Close;
      case HelloState.NotTls:
        stats.tls_not_found.inc();
        stats.bytes_processed.record(bytesRead);
        return ListenerFilterResult.Continue;
    }
    stats.tls_found.inc();
    stats.bytes_processed.record(r.bytes);
    if (r.serverName !== '') {
      stats.sni_found.inc();
      info.serverName = r.serverName;
    } else {
      stats.sni_not_found.inc();
    }
    if (r.alpn.length > 0) {
      stats.alpn_found.inc();
      info.alpn = r.alpn;
    } else {
      stats.alpn_not_found.inc();
    }
    info.transportProtocol = 'tls';
    return ListenerFilterResult.Continue;
  }

  cancel(): void {
    this.peek?.cancel();
    this.peek = null;
  }
}
