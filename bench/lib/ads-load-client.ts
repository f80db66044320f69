// A lightweight ADS client for load generation: many CDS streams over a few channels, each
// ACKing every response. Responses are read at the wire level (version and nonce only), so the
// generator's cost does not grow with the size of the resources the server sends.
import { create, toBinary } from '@bufbuild/protobuf';
import { Client, credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { DiscoveryRequestSchema } from '../../src/xds/gen/envoy/service/discovery/v3/discovery_pb.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

/** version_info (field 1) and nonce (field 5) of a DiscoveryResponse, skipping everything else. */
export function versionAndNonce(b: Buffer): { version: string; nonce: string } {
  let version = '';
  let nonce = '';
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
      i += len;
    } else if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return { version, nonce };
}

/** One simulated proxy: its stream and when it ACKed each version. */
export interface LoadStream {
  readonly id: string;
  /** Version -> hrtime (ns) at which the ACK was written. */
  readonly ackedAt: Map<string, bigint>;
}

/** Opens `n` ADS streams spread over `channels` connections; resolves once each got its first response. */
export async function openStreams(port: number, n: number, channels: number): Promise<{ streams: LoadStream[]; close(): void }> {
  const clients = Array.from({ length: channels }, () => new Client(`127.0.0.1:${port}`, credentials.createInsecure(),
    { 'grpc.max_receive_message_length': -1, 'grpc.use_local_subchannel_pool': 1 }));
  const calls: ClientDuplexStream<Buffer, Buffer>[] = [];
  const streams: LoadStream[] = [];
  const firsts: Promise<void>[] = [];
  for (let k = 0; k < n; k++) {
    const id = `sidecar~10.0.${Math.floor(k / 250)}.${k % 250}~bench-${k}.bench~bench.svc.cluster.local`;
    const s: LoadStream = { id, ackedAt: new Map() };
    streams.push(s);
    const call = clients[k % channels].makeBidiStreamRequest<Buffer, Buffer>(ADS_PATH, (m) => m, (m) => m);
    calls.push(call);
    const request = (version: string, nonce: string, first: boolean): Buffer => Buffer.from(toBinary(DiscoveryRequestSchema,
      create(DiscoveryRequestSchema, {
        typeUrl: CDS, versionInfo: version, responseNonce: nonce,
        node: first ? { id, cluster: 'bench.bench', userAgentName: 'strait-bench' } : undefined,
      })));
    firsts.push(new Promise<void>((resolve) => {
      call.on('data', (b: Buffer) => {
        const { version, nonce } = versionAndNonce(b);
        call.write(request(version, nonce, false));
        s.ackedAt.set(version, process.hrtime.bigint());
        resolve();
      });
    }));
    call.on('error', () => {});
    call.write(request('', '', true));
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
