// The HTTP/1.1 codec on raw sockets and node's llhttp binding: the server side for downstream
// connections, the client side for upstream pools.
import type { Socket } from 'node:net';
import type { ClientConnection, ClientConnectionCallbacks, ServerCodecOptions, ServerConnection,
  ServerConnectionCallbacks } from '../types.js';
import { Http1ServerConnection } from './server-connection.js';
import { Http1ClientConnection } from './client-connection.js';

export { parserAvailable as http1ParserAvailable } from './parser-binding.js';
export type { Http1ServerOptions } from './server-connection.js';

/**
 * Runs the HTTP/1 server codec on an accepted socket. `initial` holds bytes already read by protocol
 * sniffing (parsed first); the socket may have been paused.
 */
export function createHttp1ServerConnection(socket: Socket, initial: Buffer | null, callbacks: ServerConnectionCallbacks,
  options: ServerCodecOptions): ServerConnection {
  return new Http1ServerConnection(socket, initial, callbacks, options);
}

/** Runs the HTTP/1 client codec on a connected (or connecting) upstream socket. */
export function createHttp1ClientConnection(socket: Socket, callbacks: ClientConnectionCallbacks,
  enableTrailers = false): ClientConnection {
  return new Http1ClientConnection(socket, callbacks, enableTrailers);
}
