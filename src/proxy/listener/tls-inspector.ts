// envoy.filters.listener.tls_inspector: reads the ClientHello without consuming it (the bytes go
// back into the socket with unshift) and sets the connection's transport protocol, SNI and ALPN.
import type { Socket } from 'node:net';
import type { Counter, Histogram, StatsStore } from '../stats/store.js';
import { HelloState, parseClientHello } from '../tls/client-hello.js';
import type { ConnectionMatchInfo } from './filter-chain-manager.js';
import { ListenerFilterResult, type ListenerFilter, type ListenerFilterCallbacks, type ListenerFilterFactory } from './listener-filter.js';

/** Envoy's TLS_MAX_CLIENT_HELLO: a longer ClientHello closes the connection. */
const MAX_CLIENT_HELLO = 64 * 1024;

const EMPTY = Buffer.alloc(0);

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
  private socket: Socket | null = null;
  private info: ConnectionMatchInfo | null = null;
  private callbacks: ListenerFilterCallbacks | null = null;
  private buf: Buffer = EMPTY;
  private readonly onReadable = (): void => this.readMore();
  private readonly onEnd = (): void => this.finish(ListenerFilterResult.RemoteClose);

  constructor(private readonly stats: TlsInspectorStats) {}

  onAccept(socket: Socket, info: ConnectionMatchInfo, callbacks: ListenerFilterCallbacks): void {
    this.socket = socket;
    this.info = info;
    this.callbacks = callbacks;
    // 'readable' + read() rather than 'data': once the listener is gone the stream is back to its
    // initial mode, so whoever takes the socket next reads it as if nothing happened.
    socket.on('readable', this.onReadable);
    socket.on('end', this.onEnd);
  }

  private readMore(): void {
    const socket = this.socket;
    if (socket === null) return;
    for (let c = socket.read() as Buffer | null; c !== null; c = socket.read() as Buffer | null) {
      this.buf = this.buf.length === 0 ? c : Buffer.concat([this.buf, c]);
    }
    const r = parseClientHello(this.buf, MAX_CLIENT_HELLO);
    const stats = this.stats;
    switch (r.state) {
      case HelloState.NeedMore:
        return;
      case HelloState.TooLarge:
        stats.client_hello_too_large.inc();
        this.finish(ListenerFilterResult.Close);
        return;
      case HelloState.NotTls:
        stats.tls_not_found.inc();
        stats.bytes_processed.record(this.buf.length);
        this.finish(ListenerFilterResult.Continue);
        return;
      case HelloState.Done: {
        const info = this.info!;
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
        this.finish(ListenerFilterResult.Continue);
        return;
      }
    }
  }

  private finish(result: ListenerFilterResult): void {
    const cb = this.callbacks;
    this.cancel();
    cb?.onListenerFilterDone(result);
  }

  cancel(): void {
    const socket = this.socket;
    if (socket === null) return;
    this.socket = null;
    this.callbacks = null;
    socket.removeListener('readable', this.onReadable);
    socket.removeListener('end', this.onEnd);
    if (this.buf.length > 0 && !socket.destroyed) socket.unshift(this.buf);
    this.buf = EMPTY;
  }
}
