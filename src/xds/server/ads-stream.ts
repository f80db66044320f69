// What both ADS variants share: the node from the first request, the snapshot watch, the
// per-stream status, sending, and a clean end (client half-close, cancel, error, server close).
import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import type { ControlPlane, Node } from '../gen/envoy/config/core/v3/base_pb.js';
import type { Snapshot } from './snapshot.js';
import type { SnapshotCache } from './snapshot-cache.js';
import { StreamStatus, type StatusBoard } from './proxy-status.js';

/** A log sink: the server logs connects, disconnects, NACKs and protocol errors through it. */
export type XdsLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** What the server holds of a live stream: a way to end it. */
export interface LiveStream {
  /** Ends the stream from the server side with this status. */
  finish(code: GrpcStatus, details: string): void;
}

/** What a stream needs from its server. */
export interface StreamContext {
  readonly cache: SnapshotCache;
  readonly board: StatusBoard;
  readonly log: XdsLog;
  /** Set in every response so clients (and config dumps) can tell who sent it. */
  readonly controlPlane?: ControlPlane;
  nextStreamId(): number;
  /** A nonce unique within the server (hence within every stream). */
  nextNonce(): string;
  /** Called once when the stream is over, whatever ended it. */
  streamClosed(stream: LiveStream): void;
}

/** The fields both request kinds carry. */
interface AnyRequest {
  node?: Node;
  typeUrl: string;
}

/** One ADS stream; subclasses implement the SotW or delta protocol for each type URL. */
export abstract class AdsStream<Req extends AnyRequest, Res extends object> implements LiveStream {
  protected status?: StreamStatus;
  protected snapshot?: Snapshot;
  protected closed = false;
  private unwatch?: () => void;
  private readonly id: number;

  constructor(
    protected readonly call: ServerDuplexStream<Req, Res>,
    protected readonly ctx: StreamContext,
    private readonly variant: 'sotw' | 'delta',
  ) {
    this.id = ctx.nextStreamId();
    call.on('data', (req: Req) => this.onRequest(req));
    // The client half-closed: it wants no more, so finish with OK.
    call.on('end', () => this.finish(GrpcStatus.OK, 'client closed the stream'));
    call.on('cancelled', () => this.cleanup('cancelled'));
    call.on('error', (err: Error) => this.cleanup(`error: ${err.message}`));
    call.on('close', () => this.cleanup('closed'));
  }

  /** A short name for logs: node id and stream id. */
  protected get label(): string {
    return `${this.variant} stream ${this.id} (node ${JSON.stringify(this.status?.node.id ?? '?')})`;
  }

  /** Handles one request after the node is known. */
  protected abstract handle(req: Req): void;

  /** Re-evaluates every subscribed type after the snapshot changed. */
  protected abstract pushAll(): void;

  /** Ends the stream from the server side (server shutdown, protocol error). */
  finish(code: GrpcStatus, details: string): void {
    if (this.closed) return;
    if (code === GrpcStatus.OK) {
      this.cleanup(details);
      this.call.end();
    } else {
      this.ctx.log('warn', `${this.label}: ending with ${GrpcStatus[code]}: ${details}`);
      this.cleanup(details);
      this.call.emit('error', { code, details });
    }
  }

  /** Writes one response unless the stream is over. */
  protected send(res: Res): void {
    if (this.closed) return;
    this.call.write(res);
  }

  private onRequest(req: Req): void {
    if (this.closed) return;
    if (!this.status) {
      if (!req.node) {
        this.finish(GrpcStatus.INVALID_ARGUMENT, 'the first request on a stream must carry the node');
        return;
      }
      let key: string;
      try {
        key = this.ctx.cache.nodeKey(req.node);
      } catch (e) {
        this.finish(GrpcStatus.INVALID_ARGUMENT, `cannot place node ${JSON.stringify(req.node.id)}: ${(e as Error).message}`);
        return;
      }
      this.status = new StreamStatus(this.id, this.variant, this.call.getPeer(), req.node, key, this.ctx.board.events);
      this.ctx.board.add(this.status);
      this.snapshot = this.ctx.cache.getSnapshot(key);
      this.unwatch = this.ctx.cache.watch(key, (s) => this.onSnapshot(s));
      this.ctx.log('info', `${this.label}: connected from ${this.status.peer}`);
    }
    if (req.typeUrl === '') {
      this.finish(GrpcStatus.INVALID_ARGUMENT, 'type_url is required on an aggregated (ADS) stream');
      return;
    }
    this.handle(req);
  }

  private onSnapshot(s: Snapshot | undefined): void {
    this.snapshot = s;
    if (!this.closed && s) this.pushAll();
  }

  private cleanup(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    if (this.status) {
      this.ctx.board.remove(this.status);
      this.ctx.log('info', `${this.label}: disconnected (${why})`);
    }
    this.ctx.streamClosed(this);
  }
}
