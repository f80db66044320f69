// What both ADS variants share: one grpc-js channel and bidi stream, the node, responses applied
// one at a time in arrival order, connected state, and reconnect with jittered back-off.
import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import { JitteredBackoff } from './backoff.js';
import type { ClientLog, ResourceHandler } from './types.js';

/** Options of an ADS client. */
export interface AdsClientOptions {
  /** `host:port` of the management server. */
  target: string;
  node: Node;
  /** ads_config.set_node_on_first_message_only: the node goes only in a stream's first request. */
  setNodeOnFirstMessageOnly?: boolean;
  log?: ClientLog;
  /** Called when the stream comes up (first response) or goes away. */
  onConnectedChange?: (connected: boolean) => void;
  /** Called each time a stream fails or ends (Envoy's ConnectionFailure for every subscription). */
  onStreamFailure?: () => void;
  backoff?: JitteredBackoff;
  /** gRPC metadata sent when each stream opens (grpc_service initial_metadata). */
  initialMetadata?: readonly (readonly [string, string])[];
}

/** What the proxy uses of an ADS client, SotW or delta. */
export interface XdsClient {
  /**
   * Watches a type; wildcard types (LDS/CDS) get everything, others the names given to setNames.
   * A type watched after start() is asked for at once.
   */
  watch(typeUrl: string, wildcard: boolean, handler: ResourceHandler): void;
  /** Changes the names of a non-wildcard type; sent after the response being applied. */
  setNames(typeUrl: string, names: Iterable<string>): void;
  readonly isConnected: boolean;
  start(): void;
  close(): void;
}

type Stream<Req, Resp> = Grpc.ClientDuplexStream<Req, Resp>;

// grpc-js (CommonJS) is required when the first client is made: a proxy on a static config never
// loads it (14 MB and 0.1 s of its start-up: docs/performance.md).
const require = createRequire(import.meta.url);
let grpcModule: typeof Grpc | undefined;
function grpcJs(): typeof Grpc {
  grpcModule ??= require('@grpc/grpc-js') as typeof Grpc;
  return grpcModule;
}

/** The stream lifecycle; subclasses speak the protocol. */
export abstract class StreamClient<Req, Resp extends { typeUrl: string }> {
  private readonly client: Grpc.Client;
  protected readonly log: ClientLog;
  private readonly backoff: JitteredBackoff;
  protected stream: Stream<Req, Resp> | null = null;
  private nodeSent = false;
  private connected = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** Responses queued or being applied; requests for name changes wait until it is 0. */
  protected busy = 0;

  constructor(protected readonly options: AdsClientOptions, private readonly method: Grpc.MethodDefinition<Req, Resp>,
    private readonly label: string) {
    const grpc = grpcJs();
    this.client = new grpc.Client(options.target, grpc.credentials.createInsecure(), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 2_000,
      // Envoy puts no limit on xDS responses; grpc-js's default would be 4 MiB.
      'grpc.max_receive_message_length': -1,
    });
    this.log = options.log ?? (() => {});
    this.backoff = options.backoff ?? new JitteredBackoff();
  }

  /** Sends what every watched type wants on a fresh stream. */
  protected abstract onOpen(stream: Stream<Req, Resp>): void;
  /** Applies one response and answers it. */
  protected abstract handle(stream: Stream<Req, Resp>, resp: Resp): Promise<void>;
  /** Sends the requests for name changes made while responses were applied. */
  protected abstract flushDirty(): void;

  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    this.open();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.stream = null;
    this.client.close();
  }

  /** The node for the next request (only the first of a stream with set_node_on_first_message_only). */
  protected nodeFor(): Node | undefined {
    if (this.options.setNodeOnFirstMessageOnly === true && this.nodeSent) return undefined;
    this.nodeSent = true;
    return this.options.node;
  }

  protected send(stream: Stream<Req, Resp>, req: Req): void {
    if (this.stream !== stream) return;
    try {
      stream.write(req);
    } catch (e) {
      this.log('debug', `ADS write failed: ${(e as Error).message}`);
    }
  }

  /** Runs `fn` once nothing is being applied (now, or after the queue drains). */
  protected whenIdle(fn: () => void): void {
    if (this.busy === 0) queueMicrotask(fn);
  }

  private open(): void {
    if (this.closed) return;
    this.retryTimer = null;
    const m = this.method;
    const md = new (grpcJs().Metadata)();
    for (const [k, v] of this.options.initialMetadata ?? []) md.add(k, v);
    const stream = this.client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, md);
    this.stream = stream;
    this.nodeSent = false;
    stream.on('data', (resp: Resp) => this.onResponse(stream, resp));
    stream.on('error', (err: Grpc.ServiceError) => this.onStreamEnd(stream, `${err.code} ${err.details}`));
    stream.on('end', () => this.onStreamEnd(stream, 'stream ended'));
    this.onOpen(stream);
  }

  private setConnected(up: boolean): void {
    if (this.connected === up) return;
    this.connected = up;
    this.options.onConnectedChange?.(up);
  }

  private onStreamEnd(stream: Stream<Req, Resp>, why: string): void {
    if (this.stream !== stream) return;
    this.stream = null;
    this.setConnected(false);
    if (this.closed) return;
    this.options.onStreamFailure?.();
    const wait = this.backoff.next();
    this.log('warning', `${this.label} gRPC config stream to ${this.options.target} closed: ${why}; retrying in ${wait} ms`);
    stream.removeAllListeners('data');
    stream.on('error', () => {});
    stream.cancel();
    this.retryTimer = setTimeout(() => this.open(), wait);
    this.retryTimer.unref();
  }

  private onResponse(stream: Stream<Req, Resp>, resp: Resp): void {
    if (this.stream !== stream) return;
    this.setConnected(true);
    this.backoff.reset();
    this.busy++;
    this.queue = this.queue.then(() => (this.stream === stream ? this.handle(stream, resp) : undefined))
      .catch((e: unknown) => {
        this.log('warning', `applying ${resp.typeUrl} failed: ${(e as Error).stack ?? String(e)}`);
      }).finally(() => {
        this.busy--;
        this.flushDirty();
      });
  }
}
