// Test helpers for the HTTP/1 codec tests: an echo application on the server codec, a recording
// response decoder for the client codec, and a raw-socket reader of HTTP/1 responses.
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { HeaderMap, type RequestHead, type ResponseHead } from '../../headers.js';
import type { RequestDecoder, ResponseDecoder, ResponseEncoder, ServerCodecOptions, ServerConnection,
  StreamResetReason } from '../types.js';
import { createHttp1ServerConnection } from './index.js';

/** What the echo application saw of one request. */
export interface SeenRequest {
  head: RequestHead;
  body: string;
  trailers: Record<string, string> | null;
}

/** A request under the echo app; the path picks the response shape. */
class EchoStream implements RequestDecoder {
  head: RequestHead | null = null;
  private readonly chunks: Buffer[] = [];
  private trailers: HeaderMap | null = null;

  constructor(private readonly app: EchoApp, private readonly encoder: ResponseEncoder) {}

  decodeHeaders(head: RequestHead, endStream: boolean): void {
    this.head = head;
    const path = head.path;
    if (path.startsWith('/ws') && head.headers.has('upgrade')) {
      const h = new HeaderMap();
      h.add('upgrade', head.headers.get('upgrade')!);
      h.add('connection', 'upgrade');
      this.encoder.encodeHeaders({ status: 101, headers: h }, false);
      return;
    }
    if (endStream) this.end();
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    if (this.head!.path.startsWith('/ws')) {
      // Upgraded: echo raw bytes back, upper-cased so the test knows they went through the app.
      if (chunk.length > 0) this.encoder.encodeData(Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1'), false);
      if (endStream) this.encoder.encodeData(Buffer.alloc(0), true);
      return;
    }
    if (chunk.length > 0) this.chunks.push(chunk);
    if (endStream) this.end();
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.trailers = trailers;
    this.end();
  }

  onResetStream(reason: StreamResetReason): void {
    this.app.events.emit('reset', reason, this.head?.path);
  }

  private end(): void {
    const head = this.head!;
    const seen: SeenRequest = { head, body: Buffer.concat(this.chunks).toString(), trailers: this.trailers?.toObject() ?? null };
    this.app.seen.push(seen);
    this.app.events.emit('request', seen);
    const path = head.path;
    if (path.startsWith('/never')) return;
    if (path.startsWith('/slow')) {
      setTimeout(() => this.respond(seen), 60);
      return;
    }
    this.respond(seen);
  }

  private respond(seen: SeenRequest): void {
    const head = seen.head;
    const body = Buffer.from(JSON.stringify({
      method: head.method, path: head.path, authority: head.authority, scheme: head.scheme,
      protocol: head.protocol, headers: head.headers.toObject(), body: seen.body, trailers: seen.trailers,
    }));
    const enc = this.encoder;
    const h = new HeaderMap();
    h.add('content-type', 'application/json');
    if (head.path.startsWith('/stream')) {
      // No content-length: chunked for HTTP/1.1, close-delimited for HTTP/1.0.
      enc.encodeHeaders({ status: 200, headers: h }, false);
      enc.encodeData(body.subarray(0, 10), false);
      setTimeout(() => enc.encodeData(body.subarray(10), true), 20);
      return;
    }
    if (head.path.startsWith('/trailers')) {
      enc.encodeHeaders({ status: 200, headers: h }, false);
      enc.encodeData(body, false);
      const t = new HeaderMap();
      t.add('x-checksum', 'abc123');
      enc.encodeTrailers(t);
      return;
    }
    if (head.path.startsWith('/empty')) {
      enc.encodeHeaders({ status: 200, headers: h }, true);
      return;
    }
    if (head.path.startsWith('/bye')) h.add('connection', 'close');
    h.add('content-length', String(body.length));
    // Like the connection manager: a HEAD response ends with its headers.
    enc.encodeHeaders({ status: 200, headers: h }, head.method === 'HEAD');
    if (head.method !== 'HEAD') enc.encodeData(body, true);
  }
}

/** A net.Server running the HTTP/1 server codec under an echo application. */
export class EchoApp {
  readonly seen: SeenRequest[] = [];
  readonly events = new EventEmitter();
  readonly connections: ServerConnection[] = [];
  readonly server: net.Server;

  constructor(options: Partial<ServerCodecOptions> = {}, sniff = false) {
    const opts: ServerCodecOptions = { tls: false, maxRequestHeadersKb: 60, ...options };
    this.server = net.createServer((socket) => {
      if (!sniff) {
        this.connections.push(createHttp1ServerConnection(socket, null, this, opts));
        return;
      }
      // As codec selection does: read the first bytes, pause, then hand them over.
      socket.once('data', (first: Buffer) => {
        socket.pause();
        this.connections.push(createHttp1ServerConnection(socket, first, this, opts));
      });
    });
  }

  newStream(encoder: ResponseEncoder): RequestDecoder {
    return new EchoStream(this, encoder);
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One response read off a raw socket. */
export interface RawResponse {
  statusLine: string;
  headers: Record<string, string>;
  body: string;
}

/** Connects a raw socket, writes `data`, and collects everything until the peer closes (or `untilMs`). */
export async function rawExchange(port: number, data: string | Buffer, untilMs = 2000): Promise<string> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write(data);
  const parts: Buffer[] = [];
  sock.on('data', (d: Buffer) => parts.push(d));
  sock.on('error', () => {});
  const timer = setTimeout(() => sock.destroy(), untilMs);
  await once(sock, 'close');
  clearTimeout(timer);
  return Buffer.concat(parts).toString('latin1');
}

/** Splits a byte stream of content-length-framed responses (as the echo app sends them). */
export function splitResponses(text: string): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const lines = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    const len = Number(headers['content-length'] ?? 0);
    out.push({ statusLine: lines[0], headers, body: rest.slice(end + 4, end + 4 + len) });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}

/** A ResponseDecoder that records everything, for client codec tests. */
export class RecordingDecoder implements ResponseDecoder {
  head: ResponseHead | null = null;
  headersEnd = false;
  readonly chunks: Buffer[] = [];
  trailers: HeaderMap | null = null;
  ended = false;
  reset: { reason: StreamResetReason; transport: string } | null = null;
  readonly events = new EventEmitter();

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    this.head = head;
    this.headersEnd = endStream;
    this.events.emit('headers', head);
    if (endStream) this.finish();
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.events.emit('data', chunk);
    }
    if (endStream) this.finish();
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.trailers = trailers;
    this.finish();
  }

  onResetStream(reason: StreamResetReason, transportFailure: string): void {
    this.reset = { reason, transport: transportFailure };
    this.events.emit('done');
  }

  get body(): string {
    return Buffer.concat(this.chunks).toString();
  }

  private finish(): void {
    this.ended = true;
    this.events.emit('done');
  }

  /** Resolves when the response ended or was reset. */
  async done(): Promise<void> {
    if (this.ended || this.reset !== null) return;
    await once(this.events, 'done');
  }
}
