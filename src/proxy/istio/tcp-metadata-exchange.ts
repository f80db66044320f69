// istio.metadata_exchange as a network filter (envoy.tcp.metadataexchange.config.MetadataExchange): on a
// connection whose ALPN is the config's protocol, each side sends its node's frame first and reads the peer's.
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { JsonObject } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import type { Node } from '../../xds/gen/envoy/config/core/v3/base_pb.js';
import type { Counter, StatsStore } from '../stats/store.js';
import { encodeExchangeFrame, ExchangeReader, type ExchangedNode } from './tcp-exchange-wire.js';

export const METADATA_EXCHANGE_TYPE = 'envoy.tcp.metadataexchange.config.MetadataExchange';

/** The MetadataExchange fields Strait reads. */
export interface MetadataExchangeFields {
  readonly protocol: string;
}

/** A config error: the field (relative to the typed_config; '' for the whole of it) and why. */
export class ExchangeConfigError extends Error {
  constructor(readonly field: string, detail: string) {
    super(detail);
  }
}

/**
 * The config from a TypedStruct's JSON or the message's own bytes. enable_discovery (workload metadata
 * from WDS) is accepted: Strait has no workload discovery, which Istio treats as no provider.
 */
export function parseMetadataExchange(json: JsonObject | undefined, any: Any): MetadataExchangeFields {
  let protocol: unknown = '';
  let labels: unknown[] = [];
  if (json !== undefined) {
    for (const key of Object.keys(json)) {
      if (!['protocol', 'enable_discovery', 'enableDiscovery', 'additional_labels', 'additionalLabels'].includes(key)) {
        throw new ExchangeConfigError(key, `unknown field '${key}'`);
      }
    }
    protocol = json['protocol'] ?? '';
    const l = json['additional_labels'] ?? json['additionalLabels'] ?? [];
    labels = Array.isArray(l) ? l : [l];
  } else {
    try {
      const r = new BinaryReader(any.value);
      while (r.pos < r.len) {
        const [field, wire] = r.tag();
        if (field === 1 && wire === WireType.LengthDelimited) protocol = r.string();
        else if (field === 3 && wire === WireType.LengthDelimited) labels.push(r.string());
        else r.skip(wire);
      }
    } catch (e) {
      throw new ExchangeConfigError('', `cannot decode ${any.typeUrl}: ${(e as Error).message}`);
    }
  }
  if (typeof protocol !== 'string') throw new ExchangeConfigError('protocol', 'expected a string');
  if (protocol === '') throw new ExchangeConfigError('protocol', 'value length must be at least 1 characters');
  if (labels.length > 0) throw new ExchangeConfigError('additional_labels', 'additional_labels is not supported by Strait');
  return { protocol };
}

/** Istio's `metadata_exchange.*` counters (one set per proxy, shared by both directions). */
export interface MetadataExchangeStats {
  readonly alpn_protocol_found: Counter;
  readonly alpn_protocol_not_found: Counter;
  readonly initial_header_not_found: Counter;
  readonly header_not_found: Counter;
  readonly metadata_added: Counter;
}

const statsByStore = new WeakMap<StatsStore, MetadataExchangeStats>();

function exchangeStats(store: StatsStore): MetadataExchangeStats {
  const known = statsByStore.get(store);
  if (known !== undefined) return known;
  const s = store.scope('metadata_exchange');
  const stats: MetadataExchangeStats = {
    alpn_protocol_found: s.counter('alpn_protocol_found'), alpn_protocol_not_found: s.counter('alpn_protocol_not_found'),
    initial_header_not_found: s.counter('initial_header_not_found'), header_not_found: s.counter('header_not_found'),
    metadata_added: s.counter('metadata_added'),
  };
  statsByStore.set(store, stats);
  return stats;
}

/** Frames by node: a node's frame is encoded once. */
const frames = new WeakMap<Node, Buffer>();
const NO_NODE_FRAME = encodeExchangeFrame('', undefined);

function frameOf(node: Node | undefined): Buffer {
  if (node === undefined) return NO_NODE_FRAME;
  let f = frames.get(node);
  if (f === undefined) frames.set(node, (f = encodeExchangeFrame(node.id, node.metadata)));
  return f;
}

/** One filter config (a listener chain's, or a cluster's upstream filter). */
export class MetadataExchangeConfig {
  constructor(readonly fields: MetadataExchangeFields) {}

  /** The exchange for a connection whose negotiated ALPN is `alpn`; null when it is not the config's protocol. */
  start(alpn: string | undefined, node: Node | undefined, store: StatsStore): PeerExchange | null {
    const stats = exchangeStats(store);
    if (alpn !== this.fields.protocol) {
      stats.alpn_protocol_not_found.inc();
      return null;
    }
    stats.alpn_protocol_found.inc();
    return new PeerExchange(frameOf(node), stats);
  }
}

/** One connection's exchange: this side's frame goes out before its first byte, the peer's is read off the front. */
export class PeerExchange {
  /** The peer's frame was read, or is known not to come. */
  settled = false;
  /** The peer, when its frame carried one. */
  peer: ExchangedNode | undefined;
  private sent = false;
  private readonly reader = new ExchangeReader();

  constructor(private readonly frame: Buffer, private readonly stats: MetadataExchangeStats) {}

  /** This side's frame the first time (it must precede anything else this side writes), then null. */
  takeFrame(): Buffer | null {
    if (this.sent) return null;
    this.sent = true;
    this.stats.metadata_added.inc();
    return this.frame;
  }

  /** Bytes from the peer; what passes on (null while a frame is incomplete). */
  read(chunk: Buffer): Buffer | null {
    if (this.settled) return chunk;
    const r = this.reader.push(chunk);
    if (r.kind === 'more') {
      this.stats.initial_header_not_found.inc();
      return null;
    }
    this.settled = true;
    if (r.kind === 'peer') this.peer = r.peer;
    else if (r.reason === 'header') this.stats.initial_header_not_found.inc();
    else this.stats.header_not_found.inc();
    return r.rest;
  }

  /** The peer closed its side: a partial frame is passed on as data, and no peer will come. */
  end(): Buffer {
    if (this.settled) return Buffer.alloc(0);
    this.settled = true;
    return this.reader.end();
  }
}
