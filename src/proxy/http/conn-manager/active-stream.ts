// One downstream request/response exchange: runs the HTTP filter chain both ways and finishes
// the response as Envoy's connection manager does (server, date, hop-by-hop, stats, access log).
import type { HeaderMap, RequestHead, ResponseHead } from '../headers.js';
import type { RequestDecoder, ResponseEncoder, StreamResetReason, WatermarkListener } from '../codec/types.js';
import { StreamInfo } from '../stream-info.js';
import { buildLocalReply } from '../local-reply.js';
import { FilterStatus, type DecoderFilterCallbacks, type LocalReply, type StreamDecoderFilter,
  type StreamEncoderFilter } from '../../filters/http/types.js';
import type { RouteMatchResult } from '../../router/index.js';
import type { ClusterManager } from '../../upstream/types.js';
import type { HcmConfig } from './config.js';
import type { HcmConnection } from './connection.js';
import { mutateRequestHeaders, rejectPathFragment, upgradeType } from './request-headers.js';
import { currentDate } from './date.js';
import { decorateResponse, finishStreamSpan, startStreamSpan } from '../../tracing/hcm-tracing.js';
import type { Span } from '../../tracing/span.js';

const EMPTY = Buffer.alloc(0);
const RESPONSE_HOP_BY_HOP = ['connection', 'transfer-encoding', 'keep-alive', 'proxy-connection'];

/** A request in flight on one downstream connection. */
export class ActiveStream implements RequestDecoder, DecoderFilterCallbacks {
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
  private idleTimer: NodeJS.Timeout | null = null;
  /** The stream's span, when the HCM traces and a span was started. */
  private span: Span | null = null;

  constructor(private readonly config: HcmConfig, private readonly conn: HcmConnection,
    private readonly encoder: ResponseEncoder) {
    this.streamInfo = new StreamInfo(encoder.protocol);
    this.streamInfo.downstreamRemoteAddress = conn.remoteAddress;
    this.streamInfo.downstreamLocalAddress = conn.localAddress;
    this.streamInfo.downstreamDirectRemoteAddress = conn.remoteAddress;
    this.streamInfo.downstreamSsl = conn.ssl;
    this.streamInfo.requestedServerName = conn.serverName;
    this.clusterManager = config.clusterManager;
    config.stats.downstream_rq_active.inc();
    if (config.streamIdleTimeoutMs > 0) {
      this.idleTimer = setTimeout(onStreamIdle, config.streamIdleTimeoutMs, this);
    }
  }

  // ---- RequestDecoder (from the codec) ----

  decodeHeaders(head: RequestHead, endStream: boolean): void {
    const stats = this.config.stats;
    stats.downstream_rq_total.inc();
    if (head.protocol === 'HTTP/2') stats.downstream_rq_http2_total.inc();
    else stats.downstream_rq_http1_total.inc();
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
      allowedUpgrade);
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
    // As Envoy's traceRequest: after the route is known, before the filters (the router forwards the context).
    if (this.config.tracing !== undefined) this.span = startStreamSpan(this.config.tracing, head, this.route(), this.streamInfo);
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
    for (let i = from; i < this.decoders.length; i++) {
      const status = this.decoders[i].decodeHeaders(head, headerOnly);
      if (this.destroyed || this.responseEnded) return;
      if (status === FilterStatus.StopIteration) {
        this.stoppedAt = i;
        return;
      }
    }
  }

  private runDecodeData(from: number, to: number, chunk: Buffer, end: boolean): void {
    for (let i = from; i < to; i++) {
      if (this.decoders[i].decodeData(chunk, end) === FilterStatus.StopIteration || this.destroyed) return;
    }
  }

  private runDecodeTrailers(from: number, to: number, trailers: HeaderMap): void {
    for (let i = from; i < to; i++) {
      if (this.decoders[i].decodeTrailers(trailers) === FilterStatus.StopIteration || this.destroyed) return;
    }
  }

  // ---- DecoderFilterCallbacks ----

  route(): RouteMatchResult | null {
    if (this.cachedRoute === undefined) {
      const table = this.config.routes.current();
      this.cachedRoute = table === null || this.head === undefined ? null : table.route(this.head, Math.random());
      if (this.cachedRoute !== null) this.streamInfo.routeName = this.cachedRoute.route.name;
    }
    return this.cachedRoute;
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
    const { head, body } = buildLocalReply(reply.status, reply.body, this.head, reply.headers);
    this.encodeHeaders(head, body === null);
    if (body !== null) this.encodeData(body, true);
  }

  encodeHeaders(head: ResponseHead, endStream: boolean): void {
    if (this.destroyed || this.responseStarted) return;
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
    if (!this.requestEnded && this.encoder.protocol !== 'HTTP/2' && this.head !== undefined) {
      // Envoy closes an HTTP/1 connection whose request body was not fully read.
      this.conn.closeAfterResponse();
    }
    this.destroy();
  }

  private touch(): void {
    if (this.idleTimer !== null) this.idleTimer.refresh();
  }

  /** stream_idle_timeout fired. */
  onIdleTimeout(): void {
    this.idleTimer = null;
    if (this.destroyed) return;
    this.config.stats.downstream_rq_idle_timeout.inc();
    this.sendLocalReply({ status: 408, body: 'stream timeout', flag: 'SI', details: 'stream_idle_timeout' });
  }

  private destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
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

function onStreamIdle(stream: ActiveStream): void {
  stream.onIdleTimeout();
}
