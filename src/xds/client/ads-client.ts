// The proxy's ADS client (state of the world): one gRPC stream for every type, ACK/NACK by
// version_info and nonce, name changes sent after the ACK in hand, reconnect with jittered back-off.
import * as grpc from '@grpc/grpc-js';
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import { AggregatedDiscoveryService } from '../gen/envoy/service/discovery/v3/ads_pb.js';
import type { DiscoveryRequest, DiscoveryResponse } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { grpcServiceDefinition } from '../server/grpc-service.js';
import { CORE_TYPES, shortTypeName } from '../server/type-urls.js';
import { JitteredBackoff } from './backoff.js';
import { decodeResources } from './decode.js';
import { TypeSubscription } from './subscription.js';
import type { ClientLog, ResourceHandler } from './types.js';

/** Options of AdsClient. */
export interface AdsClientOptions {
  /** `host:port` of the management server. */
  target: string;
  node: Node;
  /** ads_config.set_node_on_first_message_only: the node goes only in a stream's first request. */
  setNodeOnFirstMessageOnly?: boolean;
  log?: ClientLog;
  /** Called when the stream comes up (first response) or goes away. */
  onConnectedChange?: (connected: boolean) => void;
  backoff?: JitteredBackoff;
}

type Stream = grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;

const METHOD = grpcServiceDefinition(AggregatedDiscoveryService)['streamAggregatedResources']!;

/** An ADS client over one grpc-js channel. */
export class AdsClient {
  private readonly client: grpc.Client;
  private readonly subs = new Map<string, TypeSubscription>();
  private readonly log: ClientLog;
  private readonly backoff: JitteredBackoff;
  private stream: Stream | null = null;
  private nodeSent = false;
  private connected = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Responses are applied one at a time, in the order they arrive. */
  private queue: Promise<void> = Promise.resolve();
  private busy = 0;

  constructor(private readonly options: AdsClientOptions) {
    this.client = new grpc.Client(options.target, grpc.credentials.createInsecure(), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 2_000,
    });
    this.log = options.log ?? (() => {});
    this.backoff = options.backoff ?? new JitteredBackoff();
  }

  /** Watches a type; LDS/CDS are wildcard, RDS/EDS ask for names given to setNames. */
  watch(typeUrl: string, wildcard: boolean, handler: ResourceHandler): void {
    this.subs.set(typeUrl, new TypeSubscription(typeUrl, wildcard, handler));
  }

  /** Changes the names of a non-wildcard type; the request goes out after the response being applied. */
  setNames(typeUrl: string, names: Iterable<string>): void {
    const sub = this.subs.get(typeUrl);
    if (sub === undefined || !sub.setNames(names)) return;
    if (this.busy === 0) queueMicrotask(() => this.flushDirty());
  }

  /** The version last ACKed per type (for status and tests). */
  versions(): Record<string, string> {
    return Object.fromEntries([...this.subs.values()].map((s) => [s.typeUrl, s.version]));
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Opens the stream. */
  start(): void {
    this.open();
  }

  /** Ends the stream for good. */
  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.stream = null;
    this.client.close();
  }

  private ordered(): TypeSubscription[] {
    const rank = (t: string): number => {
      const i = CORE_TYPES.indexOf(t);
      return i < 0 ? CORE_TYPES.length : i;
    };
    return [...this.subs.values()].sort((a, b) => rank(a.typeUrl) - rank(b.typeUrl));
  }

  private open(): void {
    if (this.closed) return;
    this.retryTimer = null;
    const stream: Stream = this.client.makeBidiStreamRequest(METHOD.path, METHOD.requestSerialize,
      METHOD.responseDeserialize) as Stream;
    this.stream = stream;
    this.nodeSent = false;
    stream.on('data', (resp: DiscoveryResponse) => this.onResponse(stream, resp));
    stream.on('error', (err: grpc.ServiceError) => this.onStreamEnd(stream, `${err.code} ${err.details}`));
    stream.on('end', () => this.onStreamEnd(stream, 'stream ended'));
    // On a new stream each type is asked for again with the last version it accepted.
    for (const sub of this.ordered()) {
      sub.onNewStream();
      if (sub.wanted) this.send(stream, sub.request(this.nodeFor()));
    }
  }

  private nodeFor(): Node | undefined {
    if (this.options.setNodeOnFirstMessageOnly === true && this.nodeSent) return undefined;
    this.nodeSent = true;
    return this.options.node;
  }

  private send(stream: Stream, req: DiscoveryRequest): void {
    if (this.stream !== stream) return;
    try {
      stream.write(req);
    } catch (e) {
      this.log('debug', `ADS write failed: ${(e as Error).message}`);
    }
  }

  private setConnected(up: boolean): void {
    if (this.connected === up) return;
    this.connected = up;
    this.options.onConnectedChange?.(up);
  }

  private onStreamEnd(stream: Stream, why: string): void {
    if (this.stream !== stream) return;
    this.stream = null;
    this.setConnected(false);
    if (this.closed) return;
    const wait = this.backoff.next();
    this.log('warning', `StreamAggregatedResources gRPC config stream to ${this.options.target} closed: ${why}; retrying in ${wait} ms`);
    stream.removeAllListeners('data');
    stream.on('error', () => {});
    stream.cancel();
    this.retryTimer = setTimeout(() => this.open(), wait);
    this.retryTimer.unref();
  }

  private onResponse(stream: Stream, resp: DiscoveryResponse): void {
    if (this.stream !== stream) return;
    this.setConnected(true);
    this.backoff.reset();
    this.busy++;
    this.queue = this.queue.then(() => this.apply(stream, resp)).catch((e: unknown) => {
      this.log('warning', `applying ${shortTypeName(resp.typeUrl)} failed: ${(e as Error).stack ?? String(e)}`);
    }).finally(() => {
      this.busy--;
      this.flushDirty();
    });
  }

  private async apply(stream: Stream, resp: DiscoveryResponse): Promise<void> {
    const sub = this.subs.get(resp.typeUrl);
    if (sub === undefined) {
      this.log('warning', `ignoring unwatched type URL ${resp.typeUrl}`);
      return;
    }
    if (this.stream !== stream) return;
    sub.nonce = resp.nonce;
    const decoded = decodeResources(resp.typeUrl, resp.resources);
    const error = typeof decoded === 'string' ? decoded : await sub.handler.apply(decoded, resp.versionInfo);
    const name = shortTypeName(resp.typeUrl);
    if (error === null) {
      sub.version = resp.versionInfo;
      sub.lastError = null;
      this.log('debug', `${name}: ACK version ${resp.versionInfo} nonce ${resp.nonce}`);
      this.send(stream, sub.request(this.nodeFor()));
    } else {
      sub.lastError = error;
      this.log('warning', `gRPC config for ${resp.typeUrl} rejected: ${error}`);
      this.send(stream, sub.request(this.nodeFor(), error));
    }
  }

  /** Sends a request for every type whose names changed. */
  private flushDirty(): void {
    const stream = this.stream;
    if (stream === null || this.busy > 0) return;
    for (const sub of this.ordered()) if (sub.dirty) this.send(stream, sub.request(this.nodeFor()));
  }
}
