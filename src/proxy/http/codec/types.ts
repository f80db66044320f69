// The HTTP codec interface, as in Envoy: a connection yields streams of headers, data, trailers.
// The connection manager, filters and router only see these types, never node:http objects.
import type { Socket } from 'node:net';
import type { HeaderMap, HttpProtocol, RequestHead, ResponseHead } from '../headers.js';
import type { Counter } from '../../stats/store.js';

/** Why a stream ended abnormally; the strings are Envoy's reset reasons as printed in local replies. */
export type StreamResetReason =
  | 'local connection failure'
  | 'remote connection failure'
  | 'connection timeout'
  | 'connection termination'
  | 'local reset'
  | 'local refused stream reset'
  | 'overflow'
  | 'remote reset'
  | 'remote refused stream reset'
  | 'protocol error';

/** Told when a stream's outgoing buffer crosses its watermarks (Envoy's flow control). */
export interface WatermarkListener {
  /** The peer is slow: stop producing data for this stream. */
  onAboveWriteBufferHighWatermark(): void;
  /** The buffer drained: producing may resume. */
  onBelowWriteBufferLowWatermark(): void;
}

// ---- downstream (server) side ----

/** Receives one downstream request's events; implemented by the connection manager. */
export interface RequestDecoder {
  decodeHeaders(head: RequestHead, endStream: boolean): void;
  decodeData(chunk: Buffer, endStream: boolean): void;
  decodeTrailers(trailers: HeaderMap): void;
  /** The stream was reset (client went away, protocol error, connection closed). */
  onResetStream(reason: StreamResetReason): void;
  /**
   * Envoy's RequestDecoder::sendLocalReply, called by a codec that refuses the request (possibly before any
   * headers were decoded); a decoder without it leaves the codec to answer on its own.
   */
  sendLocalReply?(reply: CodecLocalReply): void;
}

/** The local reply a codec asks for on a protocol error (a DPE-flagged reply with Envoy's details). */
export interface CodecLocalReply {
  status: number;
  body: string;
  /** %RESPONSE_CODE_DETAILS%, e.g. "http1.codec_error". */
  details: string;
  flag: 'DPE';
}

/** Sends one response downstream; implemented by each server codec. */
export interface ResponseEncoder {
  readonly protocol: HttpProtocol;
  encodeHeaders(head: ResponseHead, endStream: boolean): void;
  encodeData(chunk: Buffer, endStream: boolean): void;
  encodeTrailers(trailers: HeaderMap): void;
  /** Aborts the stream (HTTP/2 RST_STREAM; HTTP/1 closes the connection). */
  resetStream(reason: StreamResetReason): void;
  /** Pauses (true) or resumes (false) reading this stream's request body. */
  readDisable(disable: boolean): void;
  setWatermarkListener(listener: WatermarkListener | null): void;
}

/** What a server codec asks of its owner (the connection manager). */
export interface ServerConnectionCallbacks {
  /** A new request arrives; the returned decoder receives its events. */
  newStream(encoder: ResponseEncoder): RequestDecoder;
  /** The codec refused a request (Envoy counts downstream_cx_protocol_error); optional for codec-only users. */
  onProtocolError?(): void;
  /**
   * HTTP/1: the first byte of a request arrived (where Envoy creates the stream and starts its timers);
   * newStream follows once its headers are complete and its turn has come.
   */
  onRequestBegin?(): void;
  /** HTTP/1: the request that began last has all its headers (or the codec refused them). */
  onRequestHeadersComplete?(): void;
}

/** A downstream connection running one codec. */
export interface ServerConnection {
  readonly protocol: HttpProtocol;
  /** Stops accepting new streams and closes once the active ones finish (GOAWAY / Connection: close). */
  shutdownGracefully(): void;
  /**
   * Closes at once, resetting active streams. HTTP/2 sends GOAWAY first: ENHANCE_YOUR_CALM when
   * `peerMisbehaved` (the peer abused the protocol, e.g. too many premature resets), NO_ERROR otherwise.
   */
  close(peerMisbehaved?: boolean): void;
  /** Announces a coming shutdown without refusing streams yet (HTTP/2: GOAWAY with the highest stream id). */
  shutdownNotice(): void;
  /**
   * HTTP/1: an encoder to answer the request whose headers are still arriving (a request timeout fired);
   * the rest of its input is ignored and the connection closes after the answer. Null when there is no
   * such request, or a response is still ahead of it.
   */
  encoderForPartialRequest(): ResponseEncoder | null;
}

/** Options every server codec takes. */
export interface ServerCodecOptions {
  /** Peer speaks TLS: the scheme is https. */
  tls: boolean;
  /** Maximum request headers size in KiB (Envoy's max_request_headers_kb, default 60). */
  maxRequestHeadersKb: number;
  /** http_protocol_options.accept_http_10: serve HTTP/1.0 (default: 426 Upgrade Required). */
  acceptHttp10?: boolean;
  /** HTTP/1: how long a closing connection waits for the peer's close, in ms (delayed_close_timeout; 1 s if unset, 0 = none). */
  delayedCloseTimeoutMs?: number;
  /** Maximum number of request headers, pseudo-headers included on HTTP/2 (max_headers_count; default 100). */
  maxRequestHeadersCount?: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS (http2_protocol_options.max_concurrent_streams; default 2147483647). */
  http2MaxConcurrentStreams?: number;
  /** Envoy's `http2.header_overflow`: HTTP/2 requests reset for too many or too large headers. */
  http2HeaderOverflow?: Counter;
}

// ---- upstream (client) side ----

/** Receives one upstream response's events; implemented by the router. */
export interface ResponseDecoder {
  /** Final response headers; 1xx other than 101 are not delivered. */
  decodeHeaders(head: ResponseHead, endStream: boolean): void;
  decodeData(chunk: Buffer, endStream: boolean): void;
  decodeTrailers(trailers: HeaderMap): void;
  onResetStream(reason: StreamResetReason, transportFailure: string): void;
}

/** Sends one request upstream; implemented by each client codec. */
export interface RequestEncoder {
  encodeHeaders(head: RequestHead, endStream: boolean): void;
  encodeData(chunk: Buffer, endStream: boolean): void;
  encodeTrailers(trailers: HeaderMap): void;
  /** Aborts the stream; the decoder is not called afterwards. */
  resetStream(): void;
  /** Pauses (true) or resumes (false) reading this stream's response body. */
  readDisable(disable: boolean): void;
  setWatermarkListener(listener: WatermarkListener | null): void;
}

/** Told about an upstream connection's life; implemented by the connection pool. */
export interface ClientConnectionCallbacks {
  /** A stream finished (either way): HTTP/1 connections become reusable here. */
  onStreamComplete(conn: ClientConnection): void;
  /** The peer asked to stop new streams (GOAWAY, or Connection: close). */
  onGoAway(conn: ClientConnection): void;
  /** The connection closed; active streams have been reset. */
  onClose(conn: ClientConnection): void;
}

/** An upstream connection running one codec. */
export interface ClientConnection {
  readonly protocol: HttpProtocol;
  readonly socket: Socket;
  /** Streams in flight. */
  readonly activeStreams: number;
  /** Whether one more stream may be started now (HTTP/1: none active and reusable). */
  readonly canStream: boolean;
  /** Requests sent on this connection so far. */
  readonly streamsStarted: number;
  newStream(decoder: ResponseDecoder): RequestEncoder;
  close(): void;
}
