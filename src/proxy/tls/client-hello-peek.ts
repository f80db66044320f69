// Reads a connection's first bytes until the ClientHello can be judged, then puts them back (unshift):
// what tls_inspector does, and what a TLS server needs to know the client's ALPN offer before its handshake.
import type { Socket } from 'node:net';
import { HelloState, parseClientHello, type ClientHelloInfo } from './client-hello.js';

/** Envoy's TLS_MAX_CLIENT_HELLO: a longer ClientHello is not waited for. */
export const MAX_CLIENT_HELLO = 64 * 1024;

const EMPTY = Buffer.alloc(0);

/** What a finished peek found: NotTls, TooLarge or Done. */
export type HelloOutcome = { state: HelloState.NotTls | HelloState.TooLarge } | ({ state: HelloState.Done } & ClientHelloInfo);

/** Told once: the parse result and the bytes read, or null when the peer closed first. */
export type HelloCallback = (r: HelloOutcome | null, bytesRead: number) => void;

/** One peek at a socket; detaches (bytes back in the socket) before calling back. */
export class ClientHelloPeek {
  private socket: Socket | null;
  private buf: Buffer = EMPTY;
  private readonly onReadable = (): void => this.readMore();
  private readonly onEnd = (): void => this.finish(null);

  constructor(socket: Socket, private readonly done: HelloCallback, private readonly maxBytes = MAX_CLIENT_HELLO) {
    this.socket = socket;
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
    const r = parseClientHello(this.buf, this.maxBytes);
    if (r.state !== HelloState.NeedMore) this.finish(r as HelloOutcome);
  }

  private finish(r: HelloOutcome | null): void {
    if (this.socket === null) return;
    const read = this.buf.length;
    this.cancel();
    this.done(r, read);
  }

  /** Stops without calling back; the bytes read so far go back into the socket. */
  cancel(): void {
    const socket = this.socket;
    if (socket === null) return;
    this.socket = null;
    socket.removeListener('readable', this.onReadable);
    socket.removeListener('end', this.onEnd);
    if (this.buf.length > 0 && !socket.destroyed) socket.unshift(this.buf);
    this.buf = EMPTY;
  }
}
