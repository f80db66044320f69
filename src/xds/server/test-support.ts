// Test helpers for the xDS server's own tests: a raw ADS client (SotW or delta) over grpc-js
// that queues responses, so a test can send requests and wait for, or rule out, an answer.
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  DeltaDiscoveryRequestSchema, DeltaDiscoveryResponseSchema, DiscoveryRequestSchema, DiscoveryResponseSchema,
  type DeltaDiscoveryResponse, type DiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { AggregatedDiscoveryService } from '../gen/envoy/service/discovery/v3/ads_pb.js';

type Schema = typeof DiscoveryRequestSchema | typeof DeltaDiscoveryRequestSchema;

/** A raw ADS stream for tests: send() requests, next() waits for the next response. */
export class AdsTestClient<Req extends Schema, Res> {
  private readonly queue: Res[] = [];
  private waiter?: (r: Res) => void;
  /** The gRPC status the stream ended with, once it has. */
  ended?: grpc.StatusObject;
  private readonly call: grpc.ClientDuplexStream<unknown, Res>;

  constructor(private readonly client: grpc.Client, path: string, private readonly reqSchema: Req,
    resDecode: (b: Buffer) => Res) {
    this.call = client.makeBidiStreamRequest(path, (m: unknown) => Buffer.from(toBinary(reqSchema, m as never)), resDecode);
    this.call.on('data', (r: Res) => {
      const w = this.waiter;
      this.waiter = undefined;
      if (w) w(r);
      else this.queue.push(r);
    });
    this.call.on('status', (s: grpc.StatusObject) => { this.ended = s; });
    this.call.on('error', () => {});
  }

  /** Sends one request. */
  send(init: MessageInitShape<Req>): void {
    this.call.write(create(this.reqSchema, init as never));
  }

  /** The next response; rejects after `ms`. */
  next(ms = 2000): Promise<Res> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiter = undefined; reject(new Error(`no response within ${ms} ms`)); }, ms);
      this.waiter = (res) => { clearTimeout(timer); resolve(res); };
    });
  }

  /** Resolves if nothing arrives within `ms`; rejects with what did. */
  async none(ms = 150): Promise<void> {
    try {
      const r = await this.next(ms);
      throw Object.assign(new Error('unexpected response'), { response: r });
    } catch (e) {
      if ((e as Error).message.startsWith('no response')) return;
      throw e;
    }
  }

  /** Waits until the server ends the stream; returns its status. */
  async status(ms = 2000): Promise<grpc.StatusObject> {
    const end = Date.now() + ms;
    while (!this.ended && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    if (!this.ended) throw new Error('stream did not end');
    return this.ended;
  }

  /** Half-closes (the client is done). */
  end(): void {
    this.call.end();
  }

  /** Cancels the stream and closes the channel. */
  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

function path(method: string): string {
  return `/${AggregatedDiscoveryService.typeName}/${method}`;
}

/** Opens a StreamAggregatedResources (SotW) stream to 127.0.0.1:port. */
export function sotwClient(port: number): AdsTestClient<typeof DiscoveryRequestSchema, DiscoveryResponse> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new AdsTestClient(client, path('StreamAggregatedResources'), DiscoveryRequestSchema,
    (b) => fromBinary(DiscoveryResponseSchema, b));
}

/** Opens a DeltaAggregatedResources stream to 127.0.0.1:port. */
export function deltaClient(port: number): AdsTestClient<typeof DeltaDiscoveryRequestSchema, DeltaDiscoveryResponse> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new AdsTestClient(client, path('DeltaAggregatedResources'), DeltaDiscoveryRequestSchema,
    (b) => fromBinary(DeltaDiscoveryResponseSchema, b));
}
