// Envoy's external authorization HTTP filter (envoy.filters.http.ext_authz) with an HTTP authorization service:
// each enabled request waits for the server's decision; 200 allows (with its headers), others deny, failures error.
import type { ExtAuthz } from '../../../../xds/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js';
import { HeaderMap, type RequestHead, type ResponseHead } from '../../../http/headers.js';
import { log } from '../../../log.js';
import { runtime } from '../../../runtime/runtime.js';
import type { Counter, StatsStore } from '../../../stats/store.js';
import type { Cancellable } from '../../../upstream/types.js';
import { statPrefixJoin } from '../../rbac/stats.js';
import { compiledAs, mostSpecificPerFilterConfig, perRouteNames } from '../per-route.js';
import type { HttpFilterContext } from '../registry.js';
import { FilterStatus, type DecoderFilterCallbacks, type HttpFilterFactory } from '../types.js';
import { compileExtAuthz, type BodySettings, type ExtAuthzRouteSettings, type ExtAuthzSettings } from './config.js';
import { check, type CheckResult } from './http-client.js';
import { PassThroughFilter } from '../pass-through.js';

/** The filter's canonical name (also its dynamic metadata namespace). */
export const EXT_AUTHZ_FILTER_NAME = 'envoy.filters.http.ext_authz';
const PER_ROUTE_TYPE = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute';
/** Added to an allowed-on-failure request with failure_mode_allow_header_add. */
const FAILURE_MODE_ALLOWED_HEADER = 'x-envoy-auth-failure-mode-allowed';
/** Headers of a denial that describe the authorization server's own message, not the reply's. */
const NOT_FOR_CLIENT = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/** Envoy's ExtAuthzFilterStats. */
interface ExtAuthzStats {
  readonly ok: Counter;
  readonly denied: Counter;
  readonly error: Counter;
  readonly disabled: Counter;
  readonly failure_mode_allowed: Counter;
}

/** Makes the ext_authz filter of each stream; holds the compiled config and the stats. */
export class ExtAuthzFilterFactory implements HttpFilterFactory {
  readonly name = EXT_AUTHZ_FILTER_NAME;
  readonly settings: ExtAuthzSettings;
  readonly stats: ExtAuthzStats;
  private readonly names: readonly string[];
  private readonly store: StatsStore;

  constructor(proto: ExtAuthz, ctx: HttpFilterContext) {
    this.store = ctx.stats;
    this.settings = compileExtAuthz(proto, ctx.fieldPath);
    const base = statPrefixJoin(`http.${ctx.statPrefix}.`, 'ext_authz.');
    const prefix = this.settings.statPrefix === '' ? base : statPrefixJoin(base, `${this.settings.statPrefix}.`);
    const c = (n: string): Counter => ctx.stats.counter(`${prefix}${n}`);
    this.stats = { ok: c('ok'), denied: c('denied'), error: c('error'), disabled: c('disabled'), failure_mode_allowed: c('failure_mode_allowed') };
    this.names = perRouteNames(ctx.filterName, EXT_AUTHZ_FILTER_NAME);
  }

  create(callbacks: DecoderFilterCallbacks): { decoder: ExtAuthzFilter; encoder: ExtAuthzFilter } {
    const f = new ExtAuthzFilter(this, callbacks);
    return { decoder: f, encoder: f };
  }

  /** The route's ExtAuthzPerRoute, or null. */
  routeSettings(cb: DecoderFilterCallbacks): ExtAuthzRouteSettings | null {
    const per = mostSpecificPerFilterConfig(cb.route(), this.names);
    if (per === null) return null;
    if (per.disabled) return { disabled: true, body: null, disableBodyBuffering: false };
    return compiledAs<ExtAuthzRouteSettings>(per, PER_ROUTE_TYPE) ?? null;
  }

  /** Envoy's copy of a decision in the route's cluster: `cluster.<name>.ext_authz.<outcome>`. */
  countInCluster(cb: DecoderFilterCallbacks, outcome: 'ok' | 'denied' | 'error' | 'failure_mode_allowed'): void {
    const name = cb.route()?.clusterName ?? '';
    const cluster = name === '' ? undefined : cb.clusterManager.get(name);
    if (cluster !== undefined) this.store.counter(`cluster.${cluster.info.statName}.ext_authz.${outcome}`).inc();
  }

  /** filter_enabled and filter_enabled_metadata (both must hold when set). */
  enabled(cb: DecoderFilterCallbacks): boolean {
    const s = this.settings;
    if (s.filterEnabled !== null && !s.filterEnabled.sample(Math.random)) return false;
    return s.filterEnabledMetadata === null || s.filterEnabledMetadata(cb.streamInfo.dynamicMetadata);
  }
}

const enum State { Idle, Buffering, Calling, Done }

/** The ext_authz filter of one stream. */
export class ExtAuthzFilter extends PassThroughFilter {
  private state = State.Idle;
  private head: RequestHead | null = null;
  private body: BodySettings | null = null;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private pending: Cancellable | null = null;
  private initiating = false;
  private responseHeaders: readonly (readonly [string, string])[] = [];

  constructor(private readonly factory: ExtAuthzFilterFactory, private readonly cb: DecoderFilterCallbacks) {
    super();
  }

  override decodeHeaders(head: RequestHead, endStream: boolean): FilterStatus {
    if (this.state !== State.Idle) return this.state === State.Done ? FilterStatus.Continue : FilterStatus.StopIteration;
    const f = this.factory;
    const route = f.routeSettings(this.cb);
    if (route?.disabled === true) return this.finish();
    if (!f.enabled(this.cb)) {
      f.stats.disabled.inc();
      const d = f.settings.denyAtDisable;
      if (d !== null && runtime.getBoolean(d.key, d.dflt)) {
        this.state = State.Done;
        this.cb.sendLocalReply({ status: f.settings.statusOnError, body: '', details: 'ext_authz_error', flag: 'UAEX' });
        return FilterStatus.StopIteration;
      }
      return this.finish();
    }
    this.head = head;
    this.body = route?.disableBodyBuffering === true ? null : route?.body ?? f.settings.body;
    if (this.body !== null && !endStream && !head.headers.has('upgrade')) {
      this.state = State.Buffering;
      return FilterStatus.StopIteration;
    }
    this.initiate();
    return FilterStatus.StopIteration;
  }

  override decodeData(chunk: Buffer, endStream: boolean): FilterStatus {
    if (this.state !== State.Buffering) return this.state === State.Done ? FilterStatus.Continue : FilterStatus.StopIteration;
    const b = this.body!;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (!b.allowPartial && this.buffered > b.maxBytes) {
      this.state = State.Done;
      this.cb.sendLocalReply({ status: 413, body: 'Payload Too Large', details: 'request_payload_too_large' });
      return FilterStatus.StopIteration;
    }
    if (endStream || (b.allowPartial && this.buffered >= b.maxBytes)) this.initiate();
    return FilterStatus.StopIteration;
  }

  override decodeTrailers(): FilterStatus {
    if (this.state === State.Buffering) this.initiate();
    return this.state === State.Done ? FilterStatus.Continue : FilterStatus.StopIteration;
  }

  override encodeHeaders(head: ResponseHead, _endStream: boolean): FilterStatus {
    for (const [k, v] of this.responseHeaders) head.headers.add(k, v);
    return FilterStatus.Continue;
  }

  override onDestroy(): void {
    this.pending?.cancel();
    this.pending = null;
  }

  private finish(): FilterStatus {
    this.state = State.Done;
    return FilterStatus.Continue;
  }

  private initiate(): void {
    this.state = State.Calling;
    const body = this.body === null ? Buffer.alloc(0) : Buffer.concat(this.chunks).subarray(0, this.body.maxBytes);
    this.initiating = true;
    this.pending = check(this.cb.clusterManager, this.factory.settings.http, this.head!, body, (r) => {
      this.pending = null;
      // An answer given at once (no such cluster) is acted on once the chain has seen this filter stop.
      if (this.initiating) queueMicrotask(() => this.onResult(r));
      else this.onResult(r);
    });
    this.initiating = false;
  }

  private onResult(r: CheckResult): void {
    if (this.state !== State.Calling) return;
    this.state = State.Done;
    const { stats, settings } = this.factory;
    const info = this.cb.streamInfo;
    if (r.kind !== 'error' && Object.keys(r.metadata).length > 0) info.setDynamicMetadata(EXT_AUTHZ_FILTER_NAME, r.metadata);
    if (r.kind === 'ok') {
      const h = this.head!.headers;
      for (const [k, v] of r.headersToSet) h.set(k, v);
      for (const [k, v] of r.headersToAppend) h.add(k, v);
      for (const k of r.headersToRemove) h.remove(k);
      if (settings.clearRouteCache && (r.headersToSet.length > 0 || r.headersToAppend.length > 0 || r.headersToRemove.length > 0)) {
        this.cb.clearRouteCache();
      }
      this.responseHeaders = r.responseHeadersToAdd;
      stats.ok.inc();
      this.factory.countInCluster(this.cb, 'ok');
      this.cb.continueDecoding();
      return;
    }
    if (r.kind === 'denied') {
      stats.denied.inc();
      this.factory.countInCluster(this.cb, 'denied');
      const headers = new HeaderMap();
      for (const [k, v] of r.headers) if (!NOT_FOR_CLIENT.has(k)) headers.add(k, v);
      this.cb.sendLocalReply({ status: r.status, body: r.body, headers, details: 'ext_authz_denied', flag: 'UAEX' });
      return;
    }
    stats.error.inc();
    this.factory.countInCluster(this.cb, 'error');
    if (settings.failureModeAllow) {
      stats.failure_mode_allowed.inc();
      this.factory.countInCluster(this.cb, 'failure_mode_allowed');
      if (settings.failureModeAllowHeaderAdd) this.head!.headers.set(FAILURE_MODE_ALLOWED_HEADER, 'true');
      this.cb.continueDecoding();
      return;
    }
    this.cb.sendLocalReply({ status: settings.statusOnError, body: '', details: 'ext_authz_error', flag: 'UAEX' });
  }
}
