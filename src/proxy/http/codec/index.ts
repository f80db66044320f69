// Codec selection: picks HTTP/1 or HTTP/2 for a connection (AUTO sniffs the h2 preface).
// The only place that knows which codec implementations exist.
import type { Socket } from 'node:net';
import type { HttpProtocol } from '../headers.js';
import type { ClientConnection, ClientConnectionCallbacks, ServerCodecOptions, ServerConnection,
  ServerConnectionCallbacks } from './types.js';
import { createHttp1ServerConnection, createHttp1ClientConnection } from './http1/index.js';
import { createHttp2ServerConnection, createHttp2ClientConnection } from './http2/index.js';

/** HttpConnectionManager.codec_type. */
export type CodecType = 'AUTO' | 'HTTP1' | 'HTTP2';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Whether `head` (the first bytes read) can still be, or is, the HTTP/2 connection preface. */
function looksLikeH2(head: Buffer): boolean {
  const n = Math.min(head.length, H2_PREFACE.length);
  return head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
}

/**
 * Starts a server codec on an accepted socket. With AUTO, the first bytes decide;
 * `alpn` (from TLS) decides first when present.
 */
export function createServerConnection(socket: Socket, codecType: CodecType, callbacks: ServerConnectionCallbacks,
  options: ServerCodecOptions, alpn: string | undefined, onCodec: (codec: ServerConnection) => void): void {
  if (codecType === 'HTTP2' || alpn === 'h2') {
    onCodec(createHttp2ServerConnection(socket, null, callbacks, options));
    return;
  }
  if (codecType === 'HTTP1' || alpn === 'http/1.1') {
    onCodec(createHttp1ServerConnection(socket, null, callbacks, options));
    return;
  }
  let head: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (head.length < H2_PREFACE.length && looksLikeH2(head)) return;
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    socket.pause();
    onCodec(looksLikeH2(head)
      ? createHttp2ServerConnection(socket, head, callbacks, options)
      : createHttp1ServerConnection(socket, head, callbacks, options));
  };
  const onEnd = (): void => {
    socket.destroy();
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
}

/** Starts a client codec on a connected socket. */
export function createClientConnection(socket: Socket, protocol: HttpProtocol,
  callbacks: ClientConnectionCallbacks, http1EnableTrailers = false): ClientConnection {
  return protocol === 'HTTP/2'
    ? createHttp2ClientConnection(socket, callbacks)
    : createHttp1ClientConnection(socket, callbacks, http1EnableTrailers);
}
