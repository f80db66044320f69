// The HTTP connection of one health-check session (HTTP/1.1 or h2c through the proxy's own client
// codecs): one request at a time, reused between checks unless told otherwise, abortable on timeout.
import { connect, type Socket } from 'node:net';
import { createClientConnection } from '../../http/codec/index.js';
import type { ClientConnection, ClientConnectionCallbacks, ResponseDecoder } from '../../http/codec/types.js';
import type { HeaderMap, HttpProtocol, RequestHead, ResponseHead } from '../../http/headers.js';

/** A complete health-check response. */
export interface HcResponse {
  readonly head: ResponseHead;
  /** The body, up to the connection's body limit. */
  readonly body: Buffer;
  readonly trailers: HeaderMap | null;
}

/** Told how one request ended; exactly one call, never after abort(). */
export interface HcResponseCallbacks {
  onResponse(res: HcResponse): void;
  /** Connect failure, reset or close before the response ended. */
  onNetworkFailure(): void;
}

/** One request's response collector. */
class HcStream implements ResponseDecoder {
  done = false;
  private head: ResponseHead | null = null;
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly cb: HcResponseCallbacks, private readonly bodyLimit: number) {}

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    this.head = head;
    if (endStream) this.complete(null);
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    if (this.done) return;
    if (chunk.length > 0 && this.bytes < this.bodyLimit) {
      const keep = chunk.length <= this.bodyLimit - this.bytes ? chunk : chunk.subarray(0, this.bodyLimit - this.bytes);
      this.chunks.push(keep);
      this.bytes += keep.length;
    }
    if (endStream) this.complete(null);
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.complete(trailers);
  }

  onResetStream(): void {
    this.fail();
  }

  fail(): void {
    if (this.done) return;
    this.done = true;
    this.cb.onNetworkFailure();
  }

  private complete(trailers: HeaderMap | null): void {
    if (this.done || this.head === null) return;
    this.done = true;
    this.cb.onResponse({ head: this.head, body: Buffer.concat(this.chunks), trailers });
  }
}

/** A reusable connection to one host for health checks. */
export class HcHttpConnection implements ClientConnectionCallbacks {
  private socket: Socket | null = null;
  private codec: ClientConnection | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private stream: HcStream | null = null;
  /** A request waiting for the connection to come up. */
  private queued: { head: RequestHead; body: Buffer | null } | null = null;
  /** Close once the current response is in (GOAWAY, Connection: close, reuse_connection false). */
  private closeAfter = false;

  /** `bodyLimit`: how many body bytes to keep (0 = none, Infinity = all). */
  constructor(private readonly protocol: HttpProtocol, private readonly connectTimeoutMs: number,
    private readonly bodyLimit: number) {}

  /** Sends `head` (and `body`) to `address:port`, connecting first if needed. */
  request(address: string, port: number, head: RequestHead, body: Buffer | null, cb: HcResponseCallbacks,
    reuse: boolean): void {
    if (this.stream !== null) this.stream.done = true;
    const stream = new HcStream(cb, this.bodyLimit);
    this.stream = stream;
    this.closeAfter = !reuse;
    if (this.codec !== null && this.codec.canStream) {
      this.send(head, body);
      return;
    }
    if (this.codec !== null) this.drop();
    this.queued = { head, body };
    if (this.socket === null) this.connect(address, port);
  }

  private connect(address: string, port: number): void {
    const socket = connect({ host: address, port, noDelay: true });
    this.socket = socket;
    socket.on('error', () => {
      // Reported through 'close'.
    });
    socket.once('connect', () => {
      if (this.socket !== socket) return;
      this.clearConnectTimer();
      this.codec = createClientConnection(socket, this.protocol, this);
      const q = this.queued;
      this.queued = null;
      if (q !== null) this.send(q.head, q.body);
    });
    socket.once('close', () => {
      if (this.socket !== socket || this.codec !== null) return;
      // Never connected: the codec will not report anything.
      this.socket = null;
      this.clearConnectTimer();
      this.queued = null;
      this.stream?.fail();
    });
    if (this.connectTimeoutMs > 0) {
      this.connectTimer = setTimeout(() => {
        this.connectTimer = null;
        if (this.socket === socket && this.codec === null) socket.destroy();
      }, this.connectTimeoutMs);
      this.connectTimer.unref();
    }
  }

  private send(head: RequestHead, body: Buffer | null): void {
    const stream = this.stream!;
    const encoder = this.codec!.newStream(stream);
    encoder.encodeHeaders(head, body === null);
    if (body !== null && !stream.done) encoder.encodeData(body, true);
  }

  /** Gives up on the request in flight and the connection (timeout); no callback follows. */
  abort(): void {
    if (this.stream !== null) this.stream.done = true;
    this.stream = null;
    this.queued = null;
    this.drop();
  }

  /** Closes the connection; a request in flight is dropped without a callback. */
  close(): void {
    this.abort();
  }

  private drop(): void {
    this.clearConnectTimer();
    const codec = this.codec;
    const socket = this.socket;
    this.codec = null;
    this.socket = null;
    codec?.close();
    socket?.destroy();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  // ---- ClientConnectionCallbacks ----
  onStreamComplete(conn: ClientConnection): void {
    if (conn !== this.codec) return;
    if (this.closeAfter) this.drop();
  }

  onGoAway(conn: ClientConnection): void {
    if (conn !== this.codec) return;
    // HTTP/1 `Connection: close` or an HTTP/2 GOAWAY: the answer in flight may still arrive.
    if (conn.activeStreams === 0) this.drop();
    else this.closeAfter = true;
  }

  onClose(conn: ClientConnection): void {
    if (conn !== this.codec) return;
    this.codec = null;
    this.socket = null;
    this.stream?.fail();
  }
}
