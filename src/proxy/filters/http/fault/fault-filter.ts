// Envoy's fault injection filter: delays requests (a timer, then continueDecoding) and aborts them
// with a local reply (`fault filter abort`, flag FI), per the filter's or the route's HTTPFault.
import type { HTTPFault } from '../../../../xds/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import type { HeaderMap, RequestHead } from '../../../http/headers.js';
import type { StatsStore } from '../../../stats/store.js';
import type { HttpFilterContext } from '../registry.js';
import { FilterStatus, type DecoderFilterCallbacks, type HttpFilterFactory, type StreamDecoderFilter } from '../types.js';
import { compileFaultSettings, DOWNSTREAM_SERVICE_CLUSTER, DOWNSTREAM_SERVICE_NODE, type AbortStatus,
  type FaultSettings } from './fault-config.js';
import { createFaultStats, incDownstreamCluster, type FaultStats } from './fault-stats.js';
import { compiledAs, mostSpecificPerFilterConfig, perRouteNames } from '../per-route.js';
import { sendLocalReplyWithGrpcStatus } from './grpc-reply.js';
import { runtime } from '../../../runtime/runtime.js';

/** The filter's canonical extension name. */
export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
const HTTP_FAULT_TYPE = 'envoy.extensions.filters.http.fault.v3.HTTPFault';

/** setTimeout's limit; longer header delays would fire at once (Node clamps them to 1 ms). */
const MAX_TIMER_MS = 0x7fff_ffff;

/** What the fault filter needs beyond HttpFilterContext (see the report for the registry change). */
export interface FaultFilterContext extends HttpFilterContext {
  /** The root stats store (`http.<stat_prefix>.fault.*` is created under it). */
  readonly stats: StatsStore;
  /** The http_filters entry's name: the first key looked up in typed_per_filter_config. */
  readonly filterName: string;
  /** Where the filter's typed_config sits in the config, for error messages. */
  readonly fieldPath: string;
}

/** Test hooks: the random source for percentages. */
export interface FaultFilterOptions {
  readonly random?: () => number;
}

/** Makes a FaultFilter per stream; holds the compiled settings and the stats. */
export class FaultFilterFactory implements HttpFilterFactory {
  readonly name = FAULT_FILTER_NAME;
  readonly settings: FaultSettings;
  readonly stats: FaultStats;
  readonly random: () => number;
  private readonly names: readonly string[];

  constructor(proto: HTTPFault | undefined, ctx: FaultFilterContext, opts: FaultFilterOptions = {}) {
    this.settings = compileFaultSettings(proto, ctx.fieldPath);
    this.stats = createFaultStats(ctx.stats.scope(`http.${ctx.statPrefix}.fault`));
    this.random = opts.random ?? Math.random;
    this.names = perRouteNames(ctx.filterName, FAULT_FILTER_NAME);
  }

  create(callbacks: DecoderFilterCallbacks): { decoder: FaultFilter } {
    return { decoder: new FaultFilter(this, callbacks) };
  }

  /** The settings for this request: the route's HTTPFault if it has one; null when the route disables the filter. */
  settingsFor(cb: DecoderFilterCallbacks): FaultSettings | null {
    const per = mostSpecificPerFilterConfig(cb.route(), this.names);
    if (per === null) return this.settings;
    if (per.disabled) return null;
    return compiledAs<FaultSettings>(per, HTTP_FAULT_TYPE) ?? this.settings;
  }
}

function onDelayTimer(filter: FaultFilter): void {
  filter.onDelayElapsed();
}

/** The fault filter of one stream. */
export class FaultFilter implements StreamDecoderFilter {
  private settings: FaultSettings | null = null;
  private head: RequestHead | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** This stream counts in active_faults (at most once, as Envoy). */
  private faultActive = false;
  private downstreamCluster = '';
  /** `fault.http.<downstream cluster>.` when x-envoy-downstream-service-cluster is set: runtime keys per caller. */
  private clusterKeyPrefix = '';
  private readDisabled = false;

  constructor(private readonly factory: FaultFilterFactory, private readonly cb: DecoderFilterCallbacks) {}

  decodeHeaders(head: RequestHead, _endStream: boolean): FilterStatus {
    const s = this.factory.settingsFor(this.cb);
    if (s === null || !s.injects || !this.matches(s, head)) return FilterStatus.Continue;
    this.settings = s;
    this.head = head;
    const caller = head.headers.get(DOWNSTREAM_SERVICE_CLUSTER);
    if (caller !== undefined) {
      this.clusterKeyPrefix = `fault.http.${caller}.`;
      if (!s.disableDownstreamClusterStats) this.downstreamCluster = caller;
    }
    if (this.maybeDelay(s, head)) return FilterStatus.StopIteration;
    if (this.maybeAbort(s, head)) return FilterStatus.StopIteration;
    return FilterStatus.Continue;
  }

  decodeData(_chunk: Buffer, _endStream: boolean): FilterStatus {
    if (this.timer === null) return FilterStatus.Continue;
    // Body arriving during a delay is held by the chain; stop reading more until the delay ends.
    if (!this.readDisabled) {
      this.readDisabled = true;
      this.cb.readDisableDownstream(true);
    }
    return FilterStatus.StopIteration;
  }

  decodeTrailers(_trailers: HeaderMap): FilterStatus {
    return this.timer === null ? FilterStatus.Continue : FilterStatus.StopIteration;
  }

  onDestroy(): void {
    this.clearTimer();
    if (this.faultActive) {
      this.faultActive = false;
      this.factory.stats.active_faults.dec();
    }
  }

  /** upstream_cluster, downstream_nodes and headers: the request qualifies only if all match. */
  private matches(s: FaultSettings, head: RequestHead): boolean {
    if (s.upstreamCluster !== '') {
      const route = this.cb.route();
      if (route === null || route.clusterName !== s.upstreamCluster) return false;
    }
    if (s.downstreamNodes !== null) {
      const node = head.headers.get(DOWNSTREAM_SERVICE_NODE);
      if (node === undefined || !s.downstreamNodes.has(node)) return false;
    }
    const hs = s.headers;
    for (let i = 0; i < hs.length; i++) if (!hs[i].matches(head)) return false;
    return true;
  }

  /** Counts the stream in active_faults unless max_active_faults is reached (then faults_overflow). */
  private tryIncActiveFaults(s: FaultSettings): boolean {
    if (this.faultActive) return true;
    const stats = this.factory.stats;
    const max = runtime.getInteger(s.runtimeKeys.maxActiveFaults, s.maxActiveFaults);
    if (stats.active_faults.value >= max) {
      stats.faults_overflow.inc();
      return false;
    }
    stats.active_faults.inc();
    this.faultActive = true;
    return true;
  }

  private maybeDelay(s: FaultSettings, head: RequestHead): boolean {
    const delay = s.delay;
    if (delay === null) return false;
    const keys = s.runtimeKeys;
    if (!this.runtimeEnabled(keys.delayPercent, 'delay.fixed_delay_percent', delay.numeratorFor(head),
      delay.percentage.denominator)) return false;
    let ms = delay.durationMs(head);
    if (ms === undefined) return false;
    ms = runtime.getInteger(keys.delayDuration, ms);
    if (this.clusterKeyPrefix !== '') ms = runtime.getInteger(`${this.clusterKeyPrefix}delay.fixed_duration_ms`, ms);
    if (ms <= 0 || !this.tryIncActiveFaults(s)) return false;
    this.timer = setTimeout(onDelayTimer, Math.min(ms, MAX_TIMER_MS), this);
    const stats = this.factory.stats;
    if (this.downstreamCluster !== '') incDownstreamCluster(stats, this.downstreamCluster, 'delays_injected');
    stats.delays_injected.inc();
    this.cb.streamInfo.setFlag('DI');
    return true;
  }

  private maybeAbort(s: FaultSettings, head: RequestHead): boolean {
    const abort = s.abort;
    if (abort === null) return false;
    if (!this.runtimeEnabled(s.runtimeKeys.abortPercent, 'abort.abort_percent', abort.numeratorFor(head),
      abort.percentage.denominator)) return false;
    const status = this.runtimeStatus(s, abort.status(head));
    if (status === null || !this.tryIncActiveFaults(s)) return false;
    const stats = this.factory.stats;
    if (this.downstreamCluster !== '') incDownstreamCluster(stats, this.downstreamCluster, 'aborts_injected');
    stats.aborts_injected.inc();
    sendLocalReplyWithGrpcStatus(this.cb,
      { status: status.http, body: 'fault filter abort', flag: 'FI', details: 'fault_filter_abort' }, status.grpc, head);
    return true;
  }

  /** Envoy's featureEnabled on the caller's key (fault.http.<cluster>.<suffix>) if there is a caller, else on `key`. */
  private runtimeEnabled(key: string, clusterSuffix: string, numerator: number, denominator: number): boolean {
    const k = this.clusterKeyPrefix === '' ? key : `${this.clusterKeyPrefix}${clusterSuffix}`;
    return runtime.featureEnabled(k, numerator, denominator, this.factory.random);
  }

  /** The abort status after runtime overrides (http_status / grpc_status keys, then the caller's). */
  private runtimeStatus(s: FaultSettings, status: AbortStatus | null): AbortStatus | null {
    if (status === null) return null;
    const p = this.clusterKeyPrefix;
    if (status.grpc === undefined) {
      let http = runtime.getInteger(s.runtimeKeys.abortHttpStatus, status.http);
      if (p !== '') http = runtime.getInteger(`${p}abort.http_status`, http);
      return http === status.http ? status : { http, grpc: undefined };
    }
    let grpc = runtime.getInteger(s.runtimeKeys.abortGrpcStatus, status.grpc);
    if (p !== '') grpc = runtime.getInteger(`${p}abort.grpc_status`, grpc);
    return grpc === status.grpc ? status : { http: status.http, grpc };
  }

  /** The delay timer fired: abort if the abort fault picks this request, else let it through. */
  onDelayElapsed(): void {
    this.timer = null;
    const s = this.settings!;
    const head = this.head!;
    if (this.readDisabled) {
      this.readDisabled = false;
      this.cb.readDisableDownstream(false);
    }
    if (this.maybeAbort(s, head)) return;
    // A delay that is over no longer counts as an active fault.
    if (this.faultActive) {
      this.faultActive = false;
      this.factory.stats.active_faults.dec();
    }
    this.cb.continueDecoding();
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
