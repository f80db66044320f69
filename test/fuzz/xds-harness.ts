// The proxy's xDS appliers (CDS, EDS, LDS, RDS) wired as the proxy wires them, fed DiscoveryResponse
// bytes as the ADS client decodes them; nothing binds or connects (DNS answers 127.0.0.1, clocks stand still).
import { fromBinary } from '@bufbuild/protobuf';
import { DiscoveryResponseSchema } from '../../src/xds/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { ResourceHandler } from '../../src/xds/client/index.js';
import { decodeResources } from '../../src/xds/client/decode.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../src/xds/server/type-urls.js';
import { CdsApplier } from '../../src/proxy/xds/cds-applier.js';
import { EdsRegistry } from '../../src/proxy/xds/eds-registry.js';
import { LdsApplier } from '../../src/proxy/xds/lds-applier.js';
import { RdsRegistry } from '../../src/proxy/xds/rds-registry.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import { ClusterManagerImpl } from '../../src/proxy/upstream/cluster-manager.js';
import { ManualClock } from '../../src/proxy/upstream/health/clock.js';
import { setAllLogLevels } from '../../src/proxy/log.js';

/** The four core types, in Envoy's order. */
export const XDS_TYPES = [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE] as const;

/** What became of one response: not decodable as a DiscoveryResponse (gRPC fails the stream), an ACK, or a NACK. */
export type Outcome = { kind: 'undecodable' } | { kind: 'ignored' } | { kind: 'ack' } | { kind: 'nack'; message: string };

/** One proxy's appliers. Responses are applied synchronously, so listeners never get to bind before close(). */
export class XdsHarness {
  readonly stats = new StatsStore();
  readonly eds = new EdsRegistry();
  readonly cm = new ClusterManagerImpl(this.stats, { eds: this.eds, lookup: () => Promise.resolve(['127.0.0.1']),
    clock: new ManualClock() });
  readonly rds = new RdsRegistry(() => [...this.cm.clusters()].map((c) => c.info.name), this.stats);
  readonly cds = new CdsApplier(this.cm, this.stats);
  readonly lds = new LdsApplier({ clusterManager: this.cm, stats: this.stats, rds: this.rds, drainTimeMs: 1000,
    staticRdsNames: [], staticNames: new Set() }, 0);
  private readonly handlers = new Map<string, ResourceHandler>([[CLUSTER_TYPE, this.cds], [ENDPOINT_TYPE, this.eds],
    [LISTENER_TYPE, this.lds], [ROUTE_TYPE, this.rds]]);

  constructor() {
    // The appliers log every add and remove at info; only errors are worth seeing here.
    setAllLogLevels('error');
  }

  /** Decodes and applies one response, as the SotW ADS client does. */
  deliver(wire: Uint8Array): Outcome {
    let resp;
    try {
      resp = fromBinary(DiscoveryResponseSchema, wire);
    } catch {
      return { kind: 'undecodable' };
    }
    const handler = this.handlers.get(resp.typeUrl);
    if (handler === undefined) return { kind: 'ignored' };
    const decoded = decodeResources(resp.typeUrl, resp.resources);
    const result = typeof decoded === 'string' ? decoded : handler.apply(decoded, resp.versionInfo);
    if (typeof result === 'object' && result !== null) throw new Error('an applier answered asynchronously');
    return result === null ? { kind: 'ack' } : { kind: 'nack', message: result };
  }

  /** Drops every listener (before any could bind) and cluster. */
  close(): void {
    void this.lds.close();
    this.cm.destroy();
  }
}

/** Runs `fn` on a fresh harness, closed afterwards whatever happens. */
export function withHarness(fn: (h: XdsHarness) => void): void {
  const h = new XdsHarness();
  try {
    fn(h);
  } finally {
    h.close();
  }
}
