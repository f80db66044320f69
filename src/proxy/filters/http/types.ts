// The HTTP filter interface, as Envoy's: decoder filters see the request, encoder filters the response.
// Filters are created per stream from factories built once at config time.
import type { HeaderMap, RequestHead, ResponseHead } from '../../http/headers.js';
import type { StreamInfo, ResponseFlag } from '../../http/stream-info.js';
import type { RouteMatchResult } from '../../router/index.js';
import type { ClusterManager } from '../../upstream/types.js';
import type { WatermarkListener } from '../../http/codec/types.js';

/** What a filter tells the chain after handling an event. */
export const enum FilterStatus {
  /** Pass the event to the next filter. */
  Continue = 0,
  /** Hold the event (and later ones) until the filter calls continueDecoding/continueEncoding. */
  StopIteration = 1,
}

/** A local reply: Envoy's status, body and response flag. */
export interface LocalReply {
  status: number;
  body: string;
  flag?: ResponseFlag;
  /** %RESPONSE_CODE_DETAILS%, e.g. "route_not_found". */
  details: string;
  /** Extra response headers. */
  headers?: HeaderMap;
  /** grpc-status of the reply to a gRPC request; by default mapped from `status`. */
  grpcStatus?: number;
}

/** What the chain offers a decoder filter. */
export interface DecoderFilterCallbacks {
  readonly streamInfo: StreamInfo;
  readonly clusterManager: ClusterManager;
  /** The route chosen for the current headers (recomputed after clearRouteCache). */
  route(): RouteMatchResult | null;
  clearRouteCache(): void;
  /** Resumes a stopped request. */
  continueDecoding(): void;
  /** Answers the request locally (goes through encoder filters). */
  sendLocalReply(reply: LocalReply): void;
  /** Sends response parts downstream (through encoder filters). */
  encodeHeaders(head: ResponseHead, endStream: boolean): void;
  encodeData(chunk: Buffer, endStream: boolean): void;
  encodeTrailers(trailers: HeaderMap): void;
  /** Aborts the downstream stream. */
  resetStream(): void;
  /** Pauses/resumes reading the downstream request body. */
  readDisableDownstream(disable: boolean): void;
  /** Registers for downstream write-buffer watermarks (response back-pressure). */
  setDownstreamWatermarkListener(listener: WatermarkListener | null): void;
}

/** A filter on the request path. */
export interface StreamDecoderFilter {
  decodeHeaders(head: RequestHead, endStream: boolean): FilterStatus;
  decodeData(chunk: Buffer, endStream: boolean): FilterStatus;
  decodeTrailers(trailers: HeaderMap): FilterStatus;
  /** The stream ended (complete or reset): release timers and upstream streams. */
  onDestroy(): void;
}

/** A filter on the response path. */
export interface StreamEncoderFilter {
  encodeHeaders(head: ResponseHead, endStream: boolean): FilterStatus;
  encodeData(chunk: Buffer, endStream: boolean): FilterStatus;
  encodeTrailers(trailers: HeaderMap): FilterStatus;
  onDestroy(): void;
}

/** Makes a stream's filter instances; built once per filter config. */
export interface HttpFilterFactory {
  readonly name: string;
  /** Creates the filter for one stream; it may be a decoder filter, an encoder filter or both. */
  create(callbacks: DecoderFilterCallbacks): { decoder?: StreamDecoderFilter; encoder?: StreamEncoderFilter };
}
