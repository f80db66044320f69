// The proxy's ADS client, incremental (api_type DELTA_GRPC): per-resource versions, subscribe and
// unsubscribe deltas, initial_resource_versions on reconnect; the handlers still see the whole state.
import type { MethodDefinition } from '@grpc/grpc-js';
import { AggregatedDiscoveryService } from '../gen/envoy/service/discovery/v3/ads_pb.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { grpcServiceDefinition } from '../server/grpc-service.js';
import { shortTypeName } from '../server/type-urls.js';
import { typeRank } from './ads-client.js';
import { decodeResources } from './decode.js';
import { DeltaSubscription, type HeldResource } from './delta-subscription.js';
import { StreamClient, type AdsClientOptions, type XdsClient } from './stream-client.js';
import type { DecodedResource, ResourceHandler } from './types.js';

const METHOD = grpcServiceDefinition(AggregatedDiscoveryService)['deltaAggregatedResources'] as
  MethodDefinition<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

/** Everything held after a response, decoded: what came before keeps its decoded message, only what is new is decoded. */
function decodeHeld(typeUrl: string, held: ReadonlyMap<string, HeldResource>): DecodedResource[] | string {
  const fresh = [...held].filter(([, h]) => h.decoded === undefined);
  const decoded = decodeResources(typeUrl, fresh.map(([, h]) => h.any), fresh.map(([n]) => n));
  if (typeof decoded === 'string') return decoded;
  fresh.forEach(([, h], i) => { h.decoded = decoded[i]; });
  return [...held.values()].map((h) => h.decoded!);
}

/** A delta ADS client. */
export class DeltaAdsClient extends StreamClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> implements XdsClient {
  private readonly subs = new Map<string, DeltaSubscription>();

  constructor(options: AdsClientOptions) {
    super(options, METHOD, 'DeltaAggregatedResources');
  }

  watch(typeUrl: string, wildcard: boolean, handler: ResourceHandler): void {
    const sub = new DeltaSubscription(typeUrl, wildcard, handler);
    this.subs.set(typeUrl, sub);
    const stream = this.stream;
    if (stream !== null && sub.wanted) this.send(stream, sub.initialRequest(this.nodeFor()));
  }

  setNames(typeUrl: string, names: Iterable<string>): void {
    const sub = this.subs.get(typeUrl);
    if (sub === undefined || !sub.setNames(names)) return;
    this.whenIdle(() => this.flushDirty());
  }

  private ordered(): DeltaSubscription[] {
    return [...this.subs.values()].sort((a, b) => typeRank(a.typeUrl) - typeRank(b.typeUrl));
  }

  protected onOpen(stream: NonNullable<typeof this.stream>): void {
    for (const sub of this.ordered()) if (sub.wanted) this.send(stream, sub.initialRequest(this.nodeFor()));
  }

  protected async handle(stream: NonNullable<typeof this.stream>, resp: DeltaDiscoveryResponse): Promise<void> {
    const sub = this.subs.get(resp.typeUrl);
    if (sub === undefined) {
      this.log('warning', `ignoring unwatched type URL ${resp.typeUrl}`);
      return;
    }
    const next = sub.next(resp);
    const decoded = decodeHeld(resp.typeUrl, next);
    const mentioned = new Set([...resp.resources.map((r) => r.name), ...resp.removedResources]);
    const error = typeof decoded === 'string' ? decoded : await sub.handler.apply(decoded, resp.systemVersionInfo, { mentioned });
    if (error === null) {
      sub.held = next;
      sub.version = resp.systemVersionInfo;
      this.log('debug', `${shortTypeName(resp.typeUrl)}: delta ACK nonce ${resp.nonce}`);
      this.send(stream, sub.answer(this.nodeFor(), resp.nonce));
    } else {
      this.log('warning', `delta config for ${resp.typeUrl} rejected: ${error}`);
      this.send(stream, sub.answer(this.nodeFor(), resp.nonce, error));
    }
  }

  protected flushDirty(): void {
    const stream = this.stream;
    if (stream === null || this.busy > 0) return;
    for (const sub of this.ordered()) if (sub.dirty) this.send(stream, sub.changeRequest(this.nodeFor()));
  }
}
