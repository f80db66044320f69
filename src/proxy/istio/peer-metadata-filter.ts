// envoy.filters.http.peer_metadata: Istio's HTTP peer metadata exchange. Discovers the peer from
// x-envoy-peer-metadata(-id) headers (removing them) and sends this proxy's own pair the other way.
import type { JsonObject } from '@bufbuild/protobuf';
import type { HeaderMap, RequestHead, ResponseHead } from '../http/headers.js';
import type { StreamInfo } from '../http/stream-info.js';
import type { HttpFilterContext } from '../filters/http/registry.js';
import {
  FilterStatus, type DecoderFilterCallbacks, type HttpFilterFactory, type StreamDecoderFilter, type StreamEncoderFilter,
} from '../filters/http/types.js';
import { decodePeerMetadata, encodePeerMetadata, exchangedMetadata } from './peer-metadata-codec.js';
import { parsePeerMetadataConfig, type PeerMetadataConfig } from './peer-metadata-config.js';
import { DOWNSTREAM_PEER, UPSTREAM_PEER, peerFromMetadata, type PeerInfo } from './peer-info.js';
import { clusterIstioMetadata } from './standard-labels.js';
import { PassThroughFilter } from '../filters/http/pass-through.js';

export const PEER_ID_HEADER = 'x-envoy-peer-metadata-id';
export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';

/** The cluster that forwards to the original destination: never told who we are. */
const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

/** How many decoded peers a filter config keeps (Istio caches peers by id). */
const PEER_CACHE_SIZE = 500;

class PeerMetadataFilter extends PassThroughFilter {
  /** The request carried peer headers (so the response carries ours). */
  private downstreamHadPeer = false;

  constructor(private readonly f: PeerMetadataFilterFactory, private readonly cb: DecoderFilterCallbacks) {
    super();
  }

  override decodeHeaders(head: RequestHead): FilterStatus {
    const cfg = this.f.config;
    if (cfg.downstreamDiscovery) this.downstreamHadPeer = this.f.discover(head.headers, this.cb.streamInfo, DOWNSTREAM_PEER);
    if (cfg.upstreamPropagation && this.upstreamIsMesh()) this.f.addOwn(head.headers);
    return FilterStatus.Continue;
  }

  /** Whether the routed cluster is in the mesh: not PassthroughCluster, not marked istio.external. */
  private upstreamIsMesh(): boolean {
    const name = this.cb.route()?.clusterName ?? '';
    if (name === '' || name === PASSTHROUGH_CLUSTER) return false;
    return clusterIstioMetadata(this.cb.clusterManager, name)?.external !== true;
  }

  override encodeHeaders(head: ResponseHead): FilterStatus {
    const cfg = this.f.config;
    if (cfg.upstreamDiscovery) this.f.discover(head.headers, this.cb.streamInfo, UPSTREAM_PEER);
    if (cfg.downstreamPropagation && this.downstreamHadPeer) this.f.addOwn(head.headers);
    return FilterStatus.Continue;
  }

  override onDestroy(): void {
    // Nothing held.
  }
}

/** One peer_metadata config: this proxy's header pair is encoded once. */
export class PeerMetadataFilterFactory implements HttpFilterFactory {
  readonly name = 'envoy.filters.http.peer_metadata';
  private readonly ownId: string;
  private readonly ownValue: string;
  /** Decoded peers by their header pair, oldest first. */
  private readonly peers = new Map<string, PeerInfo>();

  constructor(readonly config: PeerMetadataConfig, node: { id: string; metadata?: JsonObject } | undefined) {
    this.ownId = node?.id ?? '';
    this.ownValue = encodePeerMetadata(exchangedMetadata(node?.metadata));
  }

  /** Takes the peer headers out of `headers`; records the peer under `key` when they decode. */
  discover(headers: HeaderMap, info: StreamInfo, key: string): boolean {
    const id = headers.get(PEER_ID_HEADER);
    const value = headers.get(PEER_METADATA_HEADER);
    if (id === undefined && value === undefined) return false;
    headers.remove(PEER_ID_HEADER);
    headers.remove(PEER_METADATA_HEADER);
    if (value === undefined) return true;
    const cacheKey = `${id ?? ''}\n${value}`;
    let peer = this.peers.get(cacheKey);
    if (peer === undefined) {
      const md = decodePeerMetadata(value);
      if (md === undefined) return true;
      peer = peerFromMetadata(id ?? '', md);
      if (this.peers.size >= PEER_CACHE_SIZE) this.peers.delete(this.peers.keys().next().value!);
      this.peers.set(cacheKey, peer);
    }
    info.filterState.set(key, peer);
    return true;
  }

  addOwn(headers: HeaderMap): void {
    headers.set(PEER_ID_HEADER, this.ownId);
    headers.set(PEER_METADATA_HEADER, this.ownValue);
  }

  create(cb: DecoderFilterCallbacks): { decoder: StreamDecoderFilter; encoder: StreamEncoderFilter } {
    const filter = new PeerMetadataFilter(this, cb);
    return { decoder: filter, encoder: filter };
  }
}

/** The registry's maker: `config` is the TypedStruct's JSON value. */
export function makePeerMetadataFilterFactory(config: unknown, ctx: HttpFilterContext): PeerMetadataFilterFactory {
  return new PeerMetadataFilterFactory(parsePeerMetadataConfig((config ?? {}) as JsonObject, ctx.fieldPath), ctx.localNode);
}
