// One downstream request/response exchange: runs the HTTP filter chain both ways and finishes
// the response as Envoy's connection manager does (server, date, hop-by-hop, stats, access log).
import type { HeaderMap, RequestHead, ResponseHead } from '../headers.js';
import type { RequestDecoder, ResponseEncoder, StreamResetReason, WatermarkListener } from '../codec/types.js';
import { StreamInfo } from '../stream-info.js';
import { buildLocalReply, isGrpcRequest } from '../local-reply.js';
import { formatGrpcTimeout, parseGrpcTimeout } from '../grpc-timeout.js';
import { FilterStatus, type DecoderFilterCallbacks, type LocalReply, type StreamDecoderFilter,
  type StreamEncoderFilter } from '../../filters/http/types.js';
import type { RouteMatchResult } from '../../router/index.js';
import type { ClusterManager } from '../../upstream/types.js';
import type { HcmConfig } from './config.js';
import type { HcmConnection } from './connection.js';
import { mutateRequestHeaders, rejectPathFragment, upgradeType } from './request-headers.js';
import { mutateXfcc } from './xfcc.js';
import { mergeSlashes, normalizePath } from './path-normalize.js';
import { currentDate } from './date.js';
import { decorateResponse, finishStreamSpan, startStreamSpan } from '../../tracing/hcm-tracing.js';
import type { Span } from '../../tracing/span.js';
import { StreamTimers, TIMEOUT_REPLIES, streamDurationMs, timeoutStatus, type StreamTimeout,
  type StreamTimeoutOwner } from './stream-timeouts.js';

const EMPTY = Buffer.alloc(0);
const RESPONSE_HOP_BY_HOP = ['connection', 'transfer-encoding', 'keep-alive', 'proxy-connection'];

/** A request in flight on one downstream connection. */
export class ActiveStream implements RequestDecoder, DecoderFilterCallbacks, StreamTimeoutOwner {
  readonly streamInfo: StreamInfo;
  readonly clusterManager: ClusterManager;
  private head: RequestHead | undefined;
  private readonly decoders: StreamDecoderFilter[] = [];
  private readonly encoders: StreamEncoderFilter[] = [];
  /** Index of the decoder filter that stopped header iteration, or -1. */
  private stoppedAt = -1;
  private held: { chunk: Buffer; end: boolean }[] | null = null;
  private heldTrailers: HeaderMap | null = null;
  private cachedRoute: RouteMatchResult | null | undefined;
  private requestEnded = false;
  private responseStarted = false;
  private responseEnded = false;
  private destroyed = false;
  private readonly timers: StreamTimers;
  /** The stream's span, when the HCM traces and a span was started. */
  private span: Span | null = null;

  /** `startedMs` (performance.now()) is when the request's first byte arrived: the stream timers count from it. */
  constructor(private readonly config: HcmConfig, private readonly conn: HcmConnection,
    private readonly encoder: ResponseEncoder, startedMs: number) {
    this.streamInfo = new StreamInfo(encoder.protocol);
    this.streamInfo.downstreamRemoteAddress = conn.remoteAddress;
    this.streamInfo.downstreamLocalAddress = conn.localAddress;
    this.streamInfo.downstreamDirectRemoteAddress = conn.remoteAddress;
    this.streamInfo.downstreamSsl = conn.ssl;
    this.streamInfo.requestedServerName = conn.serverName;
    this.clusterManager = config.clusterManager;
    // Counted when the stream opens, as Envoy: a stream reset before its headers are dispatched is a request too.
    this.countRequest(encoder.protocol === 'HTTP/2');
    config.stats.downstream_rq_active.inc();
    this.timers = new StreamTimers(config, this, startedMs);
  }

  // ---- RequestDecoder (from the codec) ----

  decodeHeaders(head: RequestHead, endStream: boolean): void {
    const stats = this.config.stats;
    this.touch();
    this.head = head;
    this.streamInfo.requestHead = head;
    this.requestEnded = endStream;
    if (endStream) this.streamInfo.lastDownstreamRxByteMs = this.streamInfo.elapsedMs();
    if (head.authority === '') {
      // HTTP/1.1 without Host (HTTP/2 without :authority): Envoy's ActiveStream requires one.
      this.sendLocalReply({ status: 400, body: '', details: 'missing_host_header' });
      return;
    }
    const up = upgradeType(head);
    const allowedUpgrade = up !== undefined && this.config.upgradeTypes.has(up);
    if (up !== undefined && !allowedUpgrade && head.protocol !== 'HTTP/2') {
      this.sendLocalReply({ status: 403, body: '', details: 'upgrade_failed' });
      return;
    }
    const clientIp = mutateRequestHeaders(head, this.config, this.conn.remoteIp, this.conn.localIp, this.conn.tls,
      allowedUpgrade, this.conn.localPort);
    mutateXfcc(head.headers, this.config.xfcc, this.conn.ssl);
    if (clientIp !== this.conn.remoteIp) this.streamInfo.downstreamRemoteAddress = `${clientIp}:0`;
    if (head.path === '' || (head.path[0] !== '/' && head.method !== 'CONNECT' && head.path !== '*')) {
      stats.downstream_rq_non_relative_path.inc();
      this.sendLocalReply({ status: 404, body: '', details: 'absolute_path_rejected' });
      return;
    }
    if (rejectPathFragment(head)) {
      stats.downstream_rq_failed_path_normalization.inc();
      this.sendLocalReply({ status: 400, body: '', details: 'path_normalization_failed' });
      return;
    }
    if (head.path[0] === '/') {
      if (this.config.normalizePath) head.path = normalizePath(head.path);
      // After normalization, as Envoy, so that escapes cannot hide a slash run.
      if (this.config.mergeSlashes) head.path = mergeSlashes(head.path);
    }
    // As Envoy: the route is chosen before the filters run (its timeouts apply from here).
    const route = this.route();
    // As Envoy's traceRequest: after the route is known, before the filters (the router forwards the context).
    if (this.config.tracing !== undefined) this.span = startStreamSpan(this.config.tracing, head, route, this.streamInfo);
    for (const f of this.config.filters) {
      const made = f.create(this);
      if (made.decoder) this.decoders.push(made.decoder);
      if (made.encoder) this.encoders.unshift(made.encoder);
    }
    this.runDecodeHeaders(0);
  }

  decodeData(chunk: Buffer, endStream: boolean): void {
    if (this.destroyed) return;
    this.touch();
    this.streamInfo.bytesReceived += chunk.length;
    if (endStream) {
      this.requestEnded = true;
      this.streamInfo.lastDownstreamRxByteMs = this.streamInfo.elapsedMs();
    }
    const stop = this.stoppedAt;
    if (stop < 0) {
      this.runDecodeData(0, this.decoders.length, chunk, endStream);
      return;
    }
    // As in Envoy, filters up to the one that stopped still see data; later ones get it on continue.
    this.runDecodeData(0, stop + 1, chunk, endStream);
    if (stop + 1 < this.decoders.length && !this.destroyed) (this.held ??= []).push({ chunk, end: endStream });
  }

  decodeTrailers(trailers: HeaderMap): void {
    if (this.destroyed) return;
    this.touch();
    this.requestEnded = true;
    this.streamInfo.lastDownstreamRxByteMs = this.streamInfo.elapsedMs();
    const stop = this.stoppedAt;
    if (stop < 0) {
      this.runDecodeTrailers(0, this.decoders.length, trailers);
      return;
    }
    this.runDecodeTrailers(0, stop + 1, trailers);
    if (stop + 1 < this.decoders.length && !this.destroyed) this.heldTrailers = trailers;
  }

  onResetStream(reason: StreamResetReason): void {
    if (this.destroyed) return;
    if (!this.responseEnded) {
      this.config.stats.downstream_rq_rx_reset.inc();
      this.streamInfo.setFlag(reason === 'protocol error' ? 'DPE' : 'DC');
      if (this.streamInfo.responseCodeDetails === '') this.streamInfo.responseCodeDetails = 'downstream_remote_disconnect';
    }
    this.destroy();
  }

  // ---- filter iteration ----

  private runDecodeHeaders(from: number): void {
    const head = this.head!;
    const headerOnly = this.requestEnded && this.held === null && this.heldTrailers === null;
    const last = this.decoders.length - 1;
    for (let i = from; i <= last; i++) {
      const status = this.decoders[i].decodeHeaders(head, headerOnly);
      if (this.destroyed || this.responseEnded) return;
      if (status === FilterStatus.StopIteration) {
        this.stoppedAt = i;
        if (i === last) this.requestDelivered(headerOnly);
        return;
      }
    }
    this.requestDelivered(headerOnly);
  }

  private runDecodeData(from: number, to: number, chunk: Buffer, end: boolean): void {
    for (let i = from; i < to; i++) {
      const status = this.decoders[i].decodeData(chunk, end);
      if (this.destroyed) return;
      if (status === FilterStatus.StopIteration) {
        if (i === this.decoders.length - 1) this.requestDelivered(end);
        return;
      }
    }
    if (to === this.decoders.length) this.requestDelivered(end);
  }

  private runDecodeTrailers(from: number, to: number, trailers: HeaderMap): void {
    for (let i = from; i < to; i++) {
      const status = this.decoders[i].decodeTrailers(trailers);
      if (this.destroyed) return;
      if (status === FilterStatus.StopIteration) {
        if (i === this.decoders.length - 1) this.requestDelivered(true);
        return;
      }
    }
    if (to === this.decoders.length) this.requestDelivered(true);
  }

  /** The last decoder filter has seen the request up to here; at its end request_timeout stops (as Envoy's). */
  private requestDelivered(end: boolean): void {
    if (end) this.timers.disarmRequest();
  }

  // ---- DecoderFilterCallbacks ----

  route(): RouteMatchResult | null {
    if (this.cachedRoute === undefined) {
      const table = this.config.routes.current();
      this.cachedRoute = table === null || this.head === undefined ? null : table.route(this.head, Math.random());
      if (this.cachedRoute !== null) {
        this.streamInfo.routeName = this.cachedRoute.route.name;
        this.refreshRouteTimeouts(this.cachedRoute);
      }
    }
    return this.cachedRoute;
  }

  /** Envoy's refreshIdleTimeout and refreshDurationTimeout: the route's idle_timeout and max_stream_duration. */
  private refreshRouteTimeouts(match: RouteMatchResult): void {
    const action = match.route.action;
    const head = this.head;
    if (action.kind !== 'route' || head === undefined) return;
    if (action.idleTimeoutMs !== undefined) this.timers.setIdle(action.idleTimeoutMs);
    const h = head.headers;
    const ms = streamDurationMs(this.config.maxStreamDurationMs, action.streamDuration, parseGrpcTimeout(h.get('grpc-timeout')));
    // Under max_stream_duration a gRPC request's grpc-timeout tells the upstream the time left, as Envoy's.
    if (action.streamDuration !== null && isGrpcRequest(head)) {
      if (ms !== null) h.set('grpc-timeout', formatGrpcTimeout(ms));
      else if (this.timers.hasDuration) h.remove('grpc-timeout');
    }
    this.timers.setDuration(ms);
  }

  clearRouteCache(): void {
    this.cachedRoute = undefined;
  }

  continueDecoding(): void {
    const from = this.stoppedAt + 1;
    if (this.stoppedAt < 0 || this.destroyed) return;
    this.stoppedAt = -1;
    const held = this.held;
    const trailers = this.heldTrailers;
    this.held = null;
    this.heldTrailers = null;
    // Re-run headers on the remaining filters; they see endStream only if nothing else is held.
    const headerOnly = this.requestEnded && held === null && trailers === null;
    for (let i = from; i < this.decoders.length; i++) {
      const status = this.decoders[i].decodeHeaders(this.head!, headerOnly);
      if (this.destroyed || this.responseEnded) return;
      if (status === FilterStatus.StopIteration) {
        // Filters up to the new stop get what was held; later ones keep waiting for it.
        this.stoppedAt = i;
        if (i + 1 === this.decoders.length) this.requestDelivered(headerOnly);
        if (held !== null) {
          for (const h of held) {
            this.runDecodeData(from, i + 1, h.chunk, h.end);
            if (this.destroyed) return;
          }
        }
        if (trailers !== null) this.runDecodeTrailers(from, i + 1, trailers);
        if (this.destroyed) return;
        if (i + 1 < this.decoders.length) {
          this.held = held;
          this.heldTrailers = trailers;
        }
        return;
      }
    }
    const n = this.decoders.length;
    this.requestDelivered(headerOnly);
    if (held !== null) for (const h of held) this.runDecodeData(from, n, h.chunk, h.end);
    if (trailers !== null && !this.destroyed) this.runDecodeTrailers(from, n, trailers);
  }

  sendLocalReply(reply: LocalReply): void {
    if (this.destroyed) return;
    const info = this.streamInfo;
    if (reply.flag !== undefined) info.setFlag(reply.flag);
    info.responseCodeDetails = reply.details;
    if (this.responseStarted) {
      this.resetStream();
      return;
    }
    const { head, body } = buildLocalReply(reply.status, reply.body, this.head, reply.headers, reply.grpcStatus);
    this.encodeHeaders(head, body === null);
    if (body !== null) this.encodeData(body, true);
  }

  encodeHeaders(head: ResponseHead, endStream: boolean): void {
    if (this.destroyed || this.responseStarted) return;
    this.touch();
    // As Envoy: once the response begins, request_timeout no longer applies.
    this.timers.disarmRequest();
    for (const f of this.encoders) {
      if (f.encodeHeaders(head, endStream) === FilterStatus.StopIteration || this.destroyed) return;
    }
    this.responseStarted = true;
    this.finalizeResponseHeaders(head);
    const info = this.streamInfo;
    info.responseHead = head;
    info.responseCode = head.status;
    if (info.responseCodeDetails === '') info.responseCodeDetails = 'via_upstream';
    info.firstDownstreamTxByteMs = info.elapsedMs();
    const bodyless = endStream || this.head?.method === 'HEAD';
    this.encoder.encodeHeaders(head, bodyless);
    if (bodyless) this.onResponseEnd();
  }

  encodeData(chunk: Buffer, endStream: boolean): void {
    if (this.destroyed || this.responseEnded) return;
    this.touch();
    for (const f of this.encoders) {
      if (f.encodeData(chunk, endStream) === FilterStatus.StopIteration || this.destroyed) return;
    }
    this.streamInfo.bytesSent += chunk.length;
    this.encoder.encodeData(chunk, endStream);
    if (endStream) this.onResponseEnd();
  }

  encodeTrailers(trailers: HeaderMap): void {
    if (this.destroyed || this.responseEnded) return;
    this.touch();
    for (const f of this.encoders) {
      if (f.encodeTrailers(trailers) === FilterStatus.StopIteration || this.destroyed) return;
    }
    this.streamInfo.responseTrailers = trailers;
    // Envoy's HTTP/1 codec drops trailers unless http_protocol_options.enable_trailers is set.
    if (this.encoder.protocol === 'HTTP/2' || this.config.http1EnableTrailers) this.encoder.encodeTrailers(trailers);
    else this.encoder.encodeData(EMPTY, true);
    this.onResponseEnd();
  }

  resetStream(): void {
    if (this.destroyed) return;
    this.config.stats.downstream_rq_tx_reset.inc();
    this.streamInfo.setFlag('LR');
    this.encoder.resetStream('local reset');
    this.destroy();
  }

  readDisableDownstream(disable: boolean): void {
    if (!this.destroyed) this.encoder.readDisable(disable);
  }

  setDownstreamWatermarkListener(listener: WatermarkListener | null): void {
    this.encoder.setWatermarkListener(listener);
  }

  // ---- completion ----

  private finalizeResponseHeaders(head: ResponseHead): void {
    const h = head.headers;
    for (const name of RESPONSE_HOP_BY_HOP) h.remove(name);
    if (head.status !== 101) h.remove('upgrade');
    else h.set('connection', 'upgrade');
    switch (this.config.serverHeaderTransformation) {
      case 'OVERWRITE': h.set('server', this.config.serverName); break;
      case 'APPEND_IF_ABSENT': h.setIfAbsent('server', this.config.serverName); break;
      default: break;
    }
    h.setIfAbsent('date', currentDate());
    if (this.config.via !== '') {
      const via = h.get('via');
      h.set('via', via === undefined ? this.config.via : `${via}, ${this.config.via}`);
    }
    if (this.span !== null) decorateResponse(this.config.tracing!, this.span, h, this.cachedRoute ?? null);
    if (this.config.alwaysSetRequestIdInResponse) {
      const id = this.head?.headers.get('x-request-id');
      if (id !== undefined) h.set('x-request-id', id);
    }
  }

  private onResponseEnd(): void {
    this.responseEnded = true;
    const info = this.streamInfo;
    info.lastDownstreamTxByteMs = info.elapsedMs();
    const stats = this.config.stats;
    const cls = Math.floor(info.responseCode / 100);
    if (cls >= 1 && cls <= 5) stats.byClass[cls].inc();
    stats.downstream_rq_completed.inc();
    stats.downstream_rq_time.record(info.lastDownstreamTxByteMs);
    if (!this.requestEnded && this.encoder.protocol === 'HTTP/2') {
      // As Envoy's doEndStream: the rest of the request is not wanted (RST_STREAM NO_ERROR after the response).
      this.encoder.resetStream('local reset');
    } else if (!this.requestEnded && this.head !== undefined) {
      // Envoy closes an HTTP/1 connection whose request body was not fully read.
      this.conn.closeAfterResponse();
    }
    this.destroy();
  }

  private touch(): void {
    this.timers.touch();
  }

  private countRequest(http2: boolean): void {
    const stats = this.config.stats;
    stats.downstream_rq_total.inc();
    if (http2) stats.downstream_rq_http2_total.inc();
    else stats.downstream_rq_http1_total.inc();
  }

  /**
   * A stream timeout fired (Envoy's onRequestHeaderTimeout, onRequestTimeout, onIdleTimeout,
   * onStreamMaxDurationReached): a local reply, 408 while the request is still arriving and 504 after;
   * a stream whose response has begun is reset instead.
   */
  onStreamTimeout(kind: StreamTimeout): void {
    if (this.destroyed) return;
    const t = TIMEOUT_REPLIES[kind];
    this.config.stats[t.stat].inc();
    const reply: LocalReply = { status: timeoutStatus(this.requestEnded), body: t.body, details: t.details };
    if (t.flag !== undefined) reply.flag = t.flag;
    if (t.grpcStatus !== undefined) reply.grpcStatus = t.grpcStatus;
    this.sendLocalReply(reply);
  }

  /** HTTP/1: a timeout fired while the request's headers were still arriving; this stream exists to answer it. */
  timeOutBeforeHeaders(kind: StreamTimeout): void {
    this.onStreamTimeout(kind);
  }

  private destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.timers.clear();
    for (const f of this.decoders) f.onDestroy();
    for (const f of this.encoders) f.onDestroy();
    this.config.stats.downstream_rq_active.dec();
    const info = this.streamInfo;
    info.durationMs = info.elapsedMs();
    for (const log of this.config.accessLoggers) log.log(info);
    if (this.span !== null) finishStreamSpan(this.config.tracing!, this.span, info, this.cachedRoute ?? null);
    this.conn.onStreamDestroyed(this);
  }
}
