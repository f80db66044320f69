// Envoy's local rate limit filter: a token bucket per config (the filter's, or a route's own from
// typed_per_filter_config); over the limit it answers `local_rate_limited` (429, flag RL) when enforced.
import type { LocalRateLimit } from '../../../../xds/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { HeaderMap, type RequestHead, type ResponseHead } from '../../../http/headers.js';
import type { StatsStore } from '../../../stats/store.js';
import type { HttpFilterContext } from '../registry.js';
import { FilterStatus, type DecoderFilterCallbacks, type HttpFilterFactory } from '../types.js';
import { compiledAs, mostSpecificPerFilterConfig, perRouteNames } from '../per-route.js';
import { sendLocalReplyWithGrpcStatus } from '../fault/grpc-reply.js';
import { compileLocalRateLimit, type LocalRateLimitSettings } from './local-ratelimit-config.js';
import { PassThroughFilter } from '../pass-through.js';

/** The filter's canonical extension name. */
export const LOCAL_RATELIMIT_FILTER_NAME = 'envoy.filters.http.local_ratelimit';
const LOCAL_RATELIMIT_TYPE = 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

/** What the filter needs beyond HttpFilterContext (see the report for the registry change). */
export interface LocalRateLimitFilterContext extends HttpFilterContext {
  /** The root stats store (`<stat_prefix>.http_local_rate_limit.*` is created under it). */
  readonly stats: StatsStore;
  /** The http_filters entry's name: the first key looked up in typed_per_filter_config. */
  readonly filterName: string;
  /** Where the filter's typed_config sits in the config, for error messages. */
  readonly fieldPath: string;
}

/** Test hooks: the random source for filter_enabled/filter_enforced and the filter-level bucket's clock. */
export interface LocalRateLimitFilterOptions {
  readonly random?: () => number;
  readonly now?: () => number;
}

/** Makes a LocalRateLimitFilter per stream; holds the filter-level config and its bucket. */
export class LocalRateLimitFilterFactory implements HttpFilterFactory {
  readonly name = LOCAL_RATELIMIT_FILTER_NAME;
  /** The filter-level config; null when typed_config is absent (only routes configure limits). */
  readonly settings: LocalRateLimitSettings | null;
  readonly random: () => number;
  private readonly names: readonly string[];

  constructor(proto: LocalRateLimit | undefined, ctx: LocalRateLimitFilterContext, opts: LocalRateLimitFilterOptions = {}) {
    this.settings = proto === undefined ? null
      : compileLocalRateLimit(proto, { store: ctx.stats, now: opts.now }, ctx.fieldPath, false);
    this.random = opts.random ?? Math.random;
    this.names = perRouteNames(ctx.filterName, LOCAL_RATELIMIT_FILTER_NAME);
  }

  create(callbacks: DecoderFilterCallbacks): { decoder: LocalRateLimitFilter; encoder: LocalRateLimitFilter } {
    const f = new LocalRateLimitFilter(this, callbacks);
    return { decoder: f, encoder: f };
  }

  /** The config for this request: the route's if it has one (replacing the filter's); null = nothing to do. */
  settingsFor(cb: DecoderFilterCallbacks): LocalRateLimitSettings | null {
    const per = mostSpecificPerFilterConfig(cb.route(), this.names);
    if (per === null) return this.settings;
    if (per.disabled) return null;
    // A route's config (and its token bucket) was compiled with the route table, which owns it.
    return compiledAs<LocalRateLimitSettings>(per, LOCAL_RATELIMIT_TYPE) ?? this.settings;
  }
}

/** The local rate limit filter of one stream (decoder for the decision, encoder for x-ratelimit-*). */
export class LocalRateLimitFilter extends PassThroughFilter {
  /** The config whose bucket this request drew from, for the x-ratelimit-* response headers. */
  private used: LocalRateLimitSettings | null = null;

  constructor(private readonly factory: LocalRateLimitFilterFactory, private readonly cb: DecoderFilterCallbacks) {
    super();
  }

  override decodeHeaders(head: RequestHead, _endStream: boolean): FilterStatus {
    const s = this.factory.settingsFor(this.cb);
    if (s === null || s.enabled === null || !s.enabled.sample(this.factory.random)) return FilterStatus.Continue;
    const stats = s.stats;
    stats.enabled.inc();
    let allowed: boolean;
    if (s.bucket !== null) {
      this.used = s;
      allowed = s.bucket.consume();
    } else {
      allowed = !s.alwaysDeny;
    }
    if (allowed) {
      stats.ok.inc();
      return FilterStatus.Continue;
    }
    stats.rate_limited.inc();
    const info = this.cb.streamInfo;
    if (s.enforced === null || !s.enforced.sample(this.factory.random)) {
      s.requestHeadersWhenNotEnforced?.apply(head.headers, head, undefined, info);
      return FilterStatus.Continue;
    }
    stats.enforced.inc();
    let headers: HeaderMap | undefined;
    if (s.responseHeaders !== null) {
      headers = new HeaderMap();
      s.responseHeaders.apply(headers, head, headers, info);
    }
    sendLocalReplyWithGrpcStatus(this.cb,
      { status: s.status, body: 'local_rate_limited', flag: 'RL', details: 'local_rate_limited', headers }, s.grpcStatus, head);
    return FilterStatus.StopIteration;
  }

  override encodeHeaders(head: ResponseHead, _endStream: boolean): FilterStatus {
    const s = this.used;
    if (s !== null && s.xRateLimitHeaders) {
      const bucket = s.bucket!;
      head.headers.add('x-ratelimit-limit', String(bucket.maxTokens));
      head.headers.add('x-ratelimit-remaining', String(bucket.remaining()));
    }
    return FilterStatus.Continue;
  }
}
