// HTTP/2 session settings shared by the server and client codecs, and the error codes they use.
// Window sizes bound what a paused (read-disabled) stream may buffer, so they are Strait's flow-control limits.
import http2 from 'node:http2';
import type { ClientSessionOptions, ServerOptions, Settings } from 'node:http2';
import type { ServerCodecOptions } from '../types.js';

export const {
  NGHTTP2_NO_ERROR, NGHTTP2_PROTOCOL_ERROR, NGHTTP2_INTERNAL_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_ENHANCE_YOUR_CALM,
  NGHTTP2_FLAG_END_STREAM,
} = http2.constants;

/** What node charges a header against the header list size beyond its name and value (RFC 9113's 32 octets). */
const HEADER_ENTRY_OVERHEAD = 32;

/**
 * Per-stream receive window. Node withholds WINDOW_UPDATE while a stream is paused, so this is the most a
 * read-disabled stream buffers (Envoy's default per-connection buffer limit is also 1 MiB).
 */
export const STREAM_WINDOW_BYTES = 1 << 20;

/** Connection receive window: node consumes it as data arrives, so it need only cover the bandwidth-delay product. */
export const CONNECTION_WINDOW_BYTES = 16 << 20;

/** Envoy's default max_concurrent_streams. */
const MAX_CONCURRENT_STREAMS = 2147483647;

/** Native memory node lets one session hold (MB) before refusing new streams; node's default is 10. */
const MAX_SESSION_MEMORY_MB = 32;

/** Options for a downstream session. */
export function serverSessionOptions(options: ServerCodecOptions): ServerOptions {
  const settings: Settings = {
    enablePush: false,
    initialWindowSize: STREAM_WINDOW_BYTES,
    maxConcurrentStreams: options.http2MaxConcurrentStreams ?? MAX_CONCURRENT_STREAMS,
    maxHeaderListSize: Math.max(1, options.maxRequestHeadersKb) * 1024,
  };
  // Node resets a stream with more header pairs than maxHeaderListPairs (ENHANCE_YOUR_CALM) before JS sees it.
  // Set so the byte limit always binds first: the codec's own max_headers_count check applies instead.
  const maxHeaderListPairs = Math.ceil(settings.maxHeaderListSize! / HEADER_ENTRY_OVERHEAD) + 1;
  return { settings, maxSessionMemory: MAX_SESSION_MEMORY_MB, maxHeaderListPairs };
}

/** Options for an upstream session (the socket comes from the connection pool). */
export function clientSessionOptions(): ClientSessionOptions {
  return {
    settings: { enablePush: false, initialWindowSize: STREAM_WINDOW_BYTES },
    maxSessionMemory: MAX_SESSION_MEMORY_MB,
  };
}

/** Widens the connection window once the session has a native handle (after 'connect'). */
export function widenConnectionWindow(session: http2.Http2Session): void {
  const apply = (): void => {
    try {
      session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    } catch {
      // The session died before it was set up; nothing to widen.
    }
  };
  if (session.connecting) session.once('connect', apply);
  else apply();
}
