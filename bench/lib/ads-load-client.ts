// A lightweight ADS client for load generation: many CDS streams over a few channels, each
// ACKing every response, state of the world or delta. Responses are read at the wire level (version
// and nonce only), so the generator's cost does not grow with the size of the resources the server sends.
import { create, toBinary } from '@bufbuild/protobuf';
import type { JsonObject } from '@bufbuild/protobuf';
import { Client, credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { DeltaDiscoveryRequestSchema, DiscoveryRequestSchema } from '../../src/xds/gen/envoy/service/discovery/v3/discovery_pb.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const DELTA_ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

/**
 * version_info (field 1), type_url (field 4) and nonce (field 5) of a DiscoveryResponse, skipping
 * everything else. A DeltaDiscoveryResponse has system_version_info, type_url and nonce at the same numbers.
 */
export function versionAndNonce(b: Buffer): { version: string; nonce: string; typeUrl: string } {
  let version = '';
  let nonce = '';
  let typeUrl = '';
  let i = 0;
  const varint = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      const byte = b[i++];
      n += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return n;
      shift += 7;
    }
  };
  while (i < b.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 2) {
      const len = varint();
      if (field === 1) version = b.toString('utf8', i, i + len);
      else if (field === 5) nonce = b.toString('utf8', i, i + len);
      else if (field === 4) typeUrl = b.toString('utf8', i, i + len);
      i += len;
    } else if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return { version, nonce, typeUrl };
}

/** One simulated proxy: its stream and when it ACKed each version. */
export interface LoadStream {
  readonly id: string;
  /** Version -> hrtime (ns) at which the ACK of the last subscribed type of that version was written. */
  readonly ackedAt: Map<string, bigint>;
  /** Version -> type URL -> hrtime (ns) of that type's ACK (a push may carry only some types). */
  readonly typeAckedAt: Map<string, Map<string, bigint>>;
}

/** Who the simulated proxies are and what they subscribe to. */
export interface StreamOptions {
  /** The node of stream k; default a bench sidecar `bench-<k>`. */
  node?: (k: number) => { id: string; cluster: string; metadata?: JsonObject };
  /** Subscribed types; default CDS only (legacy wildcard); with several, each asks for the explicit wildcard `*`. */
  types?: readonly string[];
  /** Incremental xDS (DeltaAggregatedResources, as a DELTA_GRPC proxy) instead of state of the world. */
  delta?: boolean;
  /** The node's client_features. */
  clientFeatures?: string[];
}

/** Opens `n` ADS streams spread over `channels` connections; resolves once each got a response of every type. */
export async function openStreams(port: number, n: number, channels: number, opts: StreamOptions = {}): Promise<{ streams: LoadStream[]; close(): void }> {
  const types = opts.types ?? [CDS];
  const names = types.length > 1 ? ['*'] : [];
  const clients = Array.from({ length: channels }, () => new Client(`127.0.0.1:${port}`, credentials.createInsecure(),
    { 'grpc.max_receive_message_length': -1, 'grpc.use_local_subchannel_pool': 1 }));
  const calls: ClientDuplexStream<Buffer, Buffer>[] = [];
  const streams: LoadStream[] = [];
  const firsts: Promise<void>[] = [];
  for (let k = 0; k < n; k++) {
    const node = opts.node?.(k) ?? { id: `sidecar~10.0.${Math.floor(k / 250)}.${k % 250}~bench-${k}.bench~bench.svc.cluster.local`, cluster: 'bench.bench' };
    const id = node.id;
    const s: LoadStream = { id, ackedAt: new Map(), typeAckedAt: new Map() };
    const typesAcked = new Map<string, Set<string>>();
    streams.push(s);
    const call = clients[k % channels].makeBidiStreamRequest<Buffer, Buffer>(opts.delta ? DELTA_ADS_PATH : ADS_PATH, (m) => m, (m) => m);
    calls.push(call);
    const nodeMsg = { id, cluster: node.cluster, metadata: node.metadata, userAgentName: 'strait-bench', clientFeatures: opts.clientFeatures ?? [] };
    // `opening`: the stream's first request of this type. SotW repeats its names on every request; a
    // delta stream subscribes once and then ACKs with the nonce alone. Only the stream's first request carries the node.
    const request = (typeUrl: string, version: string, nonce: string, opening: boolean, withNode: boolean): Buffer => (opts.delta
      ? Buffer.from(toBinary(DeltaDiscoveryRequestSchema, create(DeltaDiscoveryRequestSchema, {
        typeUrl, responseNonce: nonce, resourceNamesSubscribe: opening ? names : [], node: withNode ? nodeMsg : undefined,
      })))
      : Buffer.from(toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, {
        typeUrl, versionInfo: version, responseNonce: nonce, resourceNames: names, node: withNode ? nodeMsg : undefined,
      }))));
    firsts.push(new Promise<void>((resolve) => {
      call.on('data', (b: Buffer) => {
        const { version, nonce, typeUrl } = versionAndNonce(b);
        call.write(request(typeUrl, version, nonce, false, false));
        let byType = s.typeAckedAt.get(version);
        if (!byType) s.typeAckedAt.set(version, (byType = new Map()));
        byType.set(typeUrl, process.hrtime.bigint());
        let acked = typesAcked.get(version);
        if (!acked) typesAcked.set(version, (acked = new Set()));
        acked.add(typeUrl);
        if (acked.size === types.length) {
          s.ackedAt.set(version, process.hrtime.bigint());
          typesAcked.delete(version);
          resolve();
        }
      });
    }));
    call.on('error', () => {});
    types.forEach((t, i) => call.write(request(t, '', '', true, i === 0)));
  }
  await Promise.all(firsts);
  return {
    streams,
    close: () => {
      for (const c of calls) c.cancel();
      for (const c of clients) c.close();
    },
  };
}
