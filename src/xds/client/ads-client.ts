// The proxy's ADS client, state of the world (api_type GRPC): every type on one stream, ACK/NACK
// by version_info and nonce, name changes sent after the ACK in hand, resubscribe with last versions.
import type { MethodDefinition } from '@grpc/grpc-js';
import { AggregatedDiscoveryService } from '../gen/envoy/service/discovery/v3/ads_pb.js';
import { SecretDiscoveryService } from '../gen/envoy/service/secret/v3/sds_pb.js';
import type { DiscoveryRequest, DiscoveryResponse } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { grpcServiceDefinition } from '../server/grpc-service.js';
import { CORE_TYPES, shortTypeName } from '../server/type-urls.js';
import { decodeResources } from './decode.js';
import { StreamClient, type AdsClientOptions, type XdsClient } from './stream-client.js';
import { TypeSubscription } from './subscription.js';
import type { ResourceHandler } from './types.js';

type SotwMethod = MethodDefinition<DiscoveryRequest, DiscoveryResponse>;
const ADS_METHOD = grpcServiceDefinition(AggregatedDiscoveryService)['streamAggregatedResources'] as SotwMethod;
/** SecretDiscoveryService/StreamSecrets: SDS from its own server (an api_config_source, such as Istio's agent). */
export const SDS_METHOD = grpcServiceDefinition(SecretDiscoveryService)['streamSecrets'] as SotwMethod;

/** Core types first, in Envoy's order (CDS, EDS, LDS, RDS). */
export function typeRank(t: string): number {
  const i = CORE_TYPES.indexOf(t);
  return i < 0 ? CORE_TYPES.length : i;
}

/** A SotW ADS client. */
export class AdsClient extends StreamClient<DiscoveryRequest, DiscoveryResponse> implements XdsClient {
  private readonly subs = new Map<string, TypeSubscription>();

  /** `method` is ADS's StreamAggregatedResources unless given (SDS_METHOD for a secrets-only server). */
  constructor(options: AdsClientOptions, method: SotwMethod = ADS_METHOD) {
    super(options, method, method.path.slice(method.path.lastIndexOf('/') + 1));
  }

  watch(typeUrl: string, wildcard: boolean, handler: ResourceHandler): void {
    const sub = new TypeSubscription(typeUrl, wildcard, handler);
    this.subs.set(typeUrl, sub);
    // Watched after the stream opened (LDS after CDS warmed): ask now.
    const stream = this.stream;
    if (stream !== null && sub.wanted) this.send(stream, sub.request(this.nodeFor()));
  }

  setNames(typeUrl: string, names: Iterable<string>): void {
    const sub = this.subs.get(typeUrl);
    if (sub === undefined || !sub.setNames(names)) return;
    this.whenIdle(() => this.flushDirty());
  }

  /** The version last ACKed per type. */
  versions(): Record<string, string> {
    return Object.fromEntries([...this.subs.values()].map((s) => [s.typeUrl, s.version]));
  }

  private ordered(): TypeSubscription[] {
    return [...this.subs.values()].sort((a, b) => typeRank(a.typeUrl) - typeRank(b.typeUrl));
  }

  protected onOpen(stream: NonNullable<typeof this.stream>): void {
    // On a new stream each type is asked for again with the last version it accepted.
    for (const sub of this.ordered()) {
      sub.onNewStream();
      if (sub.wanted) this.send(stream, sub.request(this.nodeFor()));
    }
  }

  protected async handle(stream: NonNullable<typeof this.stream>, resp: DiscoveryResponse): Promise<void> {
    const sub = this.subs.get(resp.typeUrl);
    if (sub === undefined) {
      this.log('warning', `ignoring unwatched type URL ${resp.typeUrl}`);
      return;
    }
    sub.nonce = resp.nonce;
    const decoded = decodeResources(resp.typeUrl, resp.resources);
    const error = typeof decoded === 'string' ? decoded : await sub.handler.apply(decoded, resp.versionInfo);
    if (error === null) {
      sub.version = resp.versionInfo;
      sub.lastError = null;
      this.log('debug', `${shortTypeName(resp.typeUrl)}: ACK version ${resp.versionInfo} nonce ${resp.nonce}`);
      this.send(stream, sub.request(this.nodeFor()));
    } else {
      sub.lastError = error;
      this.log('warning', `gRPC config for ${resp.typeUrl} rejected: ${error}`);
      this.send(stream, sub.request(this.nodeFor(), error));
    }
  }

  protected flushDirty(): void {
    const stream = this.stream;
    if (stream === null || this.busy > 0) return;
    for (const sub of this.ordered()) if (sub.dirty) this.send(stream, sub.request(this.nodeFor()));
  }
}
