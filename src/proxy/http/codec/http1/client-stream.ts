// One upstream HTTP/1 request: encodes it (Host from the authority; content-length, chunked or raw
// upgrade framing; trailers) and carries the ResponseDecoder its response goes to.
import { HeaderMap, type RequestHead } from '../../headers.js';
import type { RequestEncoder, ResponseDecoder, WatermarkListener } from '../types.js';
import { CRLF, bodilessMethod, framePiece, frameTrailers, hasToken, headerBlock } from './wire.js';

/** What a stream needs from its connection. */
export interface ClientStreamOwner {
  readonly aboveHighWatermark: boolean;
  /** Request trailers are sent (http_protocol_options.enable_trailers); otherwise the body just ends. */
  readonly enableTrailers: boolean;
  write(prefix: string, body: Buffer | null, suffix: string): void;
  readDisable(disable: boolean): void;
  endSocket(): void;
  /** The owner aborted the stream. */
  onLocalReset(stream: ClientStream): void;
}

function flushPendingHead(s: ClientStream): void {
  s.flushHead();
}

/** What a request's trailers become when the cluster does not enable HTTP/1 trailers. */
const NO_TRAILERS = new HeaderMap();

/** A request on one upstream connection. */
export class ClientStream implements RequestEncoder {
  listener: WatermarkListener | null = null;
  readDisables = 0;
  requestComplete = false;
  responseComplete = false;
  /** Aborted by the owner, or reset by the codec: the decoder hears nothing more. */
  reset = false;
  /** The connection has moved past this stream. */
  finished = false;
  isHead = false;
  /** The request asked for an upgrade (WebSocket, CONNECT): its body goes out raw, unframed. */
  upgrade = false;
  /** The response switched protocols: bytes now pass through raw both ways. */
  upgraded = false;
  /** The response ended with its headers (HEAD, 204, 304, content-length 0). */
  endAtHeaders = false;
  pendingHead: string | null = null;
  /** The request itself said `Connection: close`: no reuse afterwards. */
  closeRequested = false;
  private headersSent = false;
  private chunked = false;

  constructor(private readonly conn: ClientStreamOwner, readonly decoder: ResponseDecoder) {}

  encodeHeaders(head: RequestHead, endStream: boolean): void {
    if (this.headersSent || this.reset || this.finished) return;
    this.headersSent = true;
    const method = head.method;
    const h = head.headers;
    this.isHead = method === 'HEAD';
    const connect = method === 'CONNECT';
    this.upgrade = connect || h.names.indexOf('upgrade') !== -1;
    const connection = h.get('connection');
    this.closeRequested = connection !== undefined && hasToken(connection, 'close');
    let text = method + ' ' + (connect ? head.authority : head.path) + ' HTTP/1.1\r\nhost: ' + head.authority + CRLF +
      headerBlock(h, true);
    if (h.names.indexOf('content-length') === -1) {
      if (endStream) {
        if (!bodilessMethod(method)) text += 'content-length: 0\r\n';
      } else if (!this.upgrade) {
        this.chunked = true;
        text += 'transfer-encoding: chunked\r\n';
      }
    }
    text += CRLF;
    if (endStream) {
      this.conn.write(text, null, '');
      this.onRequestComplete();
    } else {
      this.pendingHead = text;
      process.nextTick(flushPendingHead, this);
    }
  }

  /** Writes a head still waiting for body bytes. */
  flushHead(): void {
    const head = this.pendingHead;
    if (head === null) return;
    this.pendingHead = null;
    if (!this.finished) this.conn.write(head, null, '');
  }

  encodeData(chunk: Buffer, endStream: boolean): void {
    if (!this.headersSent || this.requestComplete || this.reset || this.finished) return;
    const prefix = this.pendingHead ?? '';
    this.pendingHead = null;
    const [before, body, after] = framePiece(this.chunked, prefix, chunk, endStream);
    this.conn.write(before, body, after);
    // An upgraded stream's end is the end of our side of the connection.
    if (endStream && this.upgrade && !this.chunked) this.conn.endSocket();
    if (endStream) this.onRequestComplete();
  }

  encodeTrailers(trailers: HeaderMap): void {
    if (!this.headersSent || this.requestComplete || this.reset || this.finished) return;
    const prefix = this.pendingHead ?? '';
    this.pendingHead = null;
    this.conn.write(prefix, null, frameTrailers(this.chunked, this.conn.enableTrailers ? trailers : NO_TRAILERS));
    if (this.upgrade && !this.chunked) this.conn.endSocket();
    this.onRequestComplete();
  }

  private onRequestComplete(): void {
    this.requestComplete = true;
  }

  resetStream(): void {
    if (this.reset || this.finished) return;
    this.reset = true;
    this.conn.onLocalReset(this);
  }

  readDisable(disable: boolean): void {
    if (this.finished || this.reset) return;
    if (disable) {
      this.readDisables++;
      this.conn.readDisable(true);
    } else if (this.readDisables > 0) {
      this.readDisables--;
      this.conn.readDisable(false);
    }
  }

  setWatermarkListener(listener: WatermarkListener | null): void {
    this.listener = listener;
    if (listener !== null && this.conn.aboveHighWatermark) listener.onAboveWriteBufferHighWatermark();
  }
}
