// Shared by the fault and local rate limit filters' tests: a recording DecoderFilterCallbacks, and
// an in-process HTTP server that runs a real connection manager with the filter before the router.
import net from 'node:net';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { HttpConnectionManagerSchema } from '../../../../xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { registry } from '../../../../xds/registry.js';
import type { ResponseHead } from '../../../http/headers.js';
import type { HeaderMap } from '../../../http/headers.js';
import type { WatermarkListener } from '../../../http/codec/types.js';
import { StreamInfo } from '../../../http/stream-info.js';
import { buildHcmConfig } from '../../../http/conn-manager/hcm-factory.js';
import { HcmConnection } from '../../../http/conn-manager/connection.js';
import { createHcmStats } from '../../../http/conn-manager/stats.js';
import type { RouteMatchResult, CompiledRouteConfig } from '../../../router/types.js';
import { StatsStore } from '../../../stats/store.js';
import { createClusterManager } from '../../../upstream/cluster-manager.js';
import { clusterFromJson } from '../../../upstream/test-support.js';
import type { ClusterManager } from '../../../upstream/types.js';
import type { DecoderFilterCallbacks, HttpFilterFactory, LocalReply } from '../types.js';
import type { FaultFilterContext } from './fault-filter.js';

/** The build context a filter factory gets in these tests (the extended HttpFilterContext). */
export type TestFilterContext = FaultFilterContext;

/** A filter context over a fresh stats store; `filterName` defaults to `name`. */
export function filterContext(name: string, overrides: Partial<TestFilterContext> = {}): TestFilterContext {
  const stats = overrides.stats ?? new StatsStore();
  return {
    hcmStats: createHcmStats(stats.scope('http.ingress_http')),
    statPrefix: 'ingress_http',
    stats,
    filterName: name,
    fieldPath: '.http_filters[0].typed_config',
    ...overrides,
  };
}

/** DecoderFilterCallbacks that record what a filter asks of the chain. */
export class RecordingCallbacks implements DecoderFilterCallbacks {
  readonly streamInfo = new StreamInfo('HTTP/1.1');
  readonly clusterManager = {} as ClusterManager;
  continued = 0;
  readonly replies: LocalReply[] = [];
  readonly encoded: { head: ResponseHead; end: boolean }[] = [];
  readonly readDisables: boolean[] = [];
  resets = 0;

  /** `routes` is the table the request is matched against (null = no route). */
  constructor(private readonly routes: CompiledRouteConfig | null = null) {}

  route(): RouteMatchResult | null {
    const head = this.streamInfo.requestHead;
    return this.routes === null || head === undefined ? null : this.routes.route(head, 0);
  }

  clearRouteCache(): void { /* routes are matched afresh on every call here */ }

  continueDecoding(): void {
    this.continued++;
  }

  sendLocalReply(reply: LocalReply): void {
    if (reply.flag !== undefined) this.streamInfo.setFlag(reply.flag);
    this.streamInfo.responseCodeDetails = reply.details;
    this.replies.push(reply);
  }

  encodeHeaders(head: ResponseHead, endStream: boolean): void {
    this.encoded.push({ head, end: endStream });
  }

  encodeData(_chunk: Buffer, _endStream: boolean): void { /* not used by these filters */ }
  encodeTrailers(_trailers: HeaderMap): void { /* not used by these filters */ }

  resetStream(): void {
    this.resets++;
  }

  readDisableDownstream(disable: boolean): void {
    this.readDisables.push(disable);
  }

  setDownstreamWatermarkListener(_listener: WatermarkListener | null): void { /* not used by these filters */ }
}

/** A running in-process proxy: one HCM whose chain is `filters` + router. */
export interface FilterHarness {
  readonly port: number;
  readonly stats: StatsStore;
  close(): Promise<void>;
}

/**
 * Starts a real connection manager on 127.0.0.1:0 over STATIC `clusters`, with `hcm` (proto JSON:
 * route_config and friends) and the filters `makeFilters` builds placed before the router.
 */
export async function startFilterHarness(clusters: JsonValue[], hcm: Record<string, JsonValue>,
  makeFilters: (ctx: TestFilterContext) => HttpFilterFactory[]): Promise<FilterHarness> {
  const stats = new StatsStore();
  const cm = await createClusterManager(clusters.map(clusterFromJson), stats);
  const proto = fromJson(HttpConnectionManagerSchema, {
    stat_prefix: 'ingress_http', http_filters: [{ name: 'envoy.filters.http.router' }], ...hcm,
  }, { registry });
  const built = buildHcmConfig(proto, { clusterManager: cm, stats, fieldPath: '' });
  const filters = makeFilters({
    hcmStats: built.stats, statPrefix: built.statPrefix, stats, filterName: '', fieldPath: '.http_filters[0].typed_config',
  });
  const config = { ...built, filters: [...filters, ...built.filters] };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => { /* client resets are part of some tests */ });
    new HcmConnection(config, socket, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    stats,
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      cm.destroy();
    },
  };
}

/** The value of a counter or gauge by full name (0 when it does not exist). */
export function statValue(stats: StatsStore, name: string): number {
  return stats.counters.get(name)?.value ?? stats.gauges.get(name)?.value ?? 0;
}
