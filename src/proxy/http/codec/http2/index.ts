// The HTTP/2 codec (server and client side) on node:http2 sessions, behind Strait's codec interface.
// Only this folder knows node:http2; the connection manager and router see streams of headers, data, trailers.
import type { Socket } from 'node:net';
import type { ClientConnection, ClientConnectionCallbacks, ServerCodecOptions, ServerConnection,
  ServerConnectionCallbacks } from '../types.js';
import { Http2ClientConnection } from './client-connection.js';
import { Http2ServerConnection } from './server-connection.js';

/**
 * Runs the downstream HTTP/2 codec on an accepted socket. `initial` holds bytes already read while
 * sniffing the connection preface; they are replayed to the session first.
 */
export function createHttp2ServerConnection(socket: Socket, initial: Buffer | null,
  callbacks: ServerConnectionCallbacks, options: ServerCodecOptions): ServerConnection {
  return new Http2ServerConnection(socket, initial, callbacks, options);
}

/** Runs the upstream HTTP/2 codec on a connected socket (h2c, or TLS that negotiated h2). */
export function createHttp2ClientConnection(socket: Socket, callbacks: ClientConnectionCallbacks): ClientConnection {
  return new Http2ClientConnection(socket, callbacks);
}
