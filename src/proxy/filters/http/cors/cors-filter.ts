// Envoy's CORS filter: answers preflight requests (OPTIONS with Origin and
// Access-Control-Request-Method) with a local 200, and adds the allow headers to simple requests' responses.
import { HeaderMap, type RequestHead, type ResponseHead } from '../../../http/headers.js';
import type { HttpFilterContext } from '../registry.js';
import { FilterStatus, type DecoderFilterCallbacks, type HttpFilterFactory } from '../types.js';
import { perRouteNames } from '../per-route.js';
import { createCorsStats, type CorsStats } from './cors-stats.js';
import { RoutePolicies } from './route-policies.js';
import type { MergedCorsPolicy } from './merged-policy.js';
import { PassThroughFilter } from '../pass-through.js';

/** The filter's canonical extension name. */
export const CORS_FILTER_NAME = 'envoy.filters.http.cors';

/** Test hooks: the random source for filter_enabled / shadow_enabled. */
export interface CorsFilterOptions {
  readonly random?: () => number;
}

/** Makes a CorsFilter per stream; holds the stats and the merged per-route policies. */
export class CorsFilterFactory implements HttpFilterFactory {
  readonly name = CORS_FILTER_NAME;
  readonly stats: CorsStats;
  readonly random: () => number;
  readonly policies: RoutePolicies;

  constructor(ctx: HttpFilterContext, opts: CorsFilterOptions = {}) {
    this.stats = createCorsStats(ctx.stats.scope(`http.${ctx.statPrefix}.cors`));
    this.random = opts.random ?? Math.random;
    this.policies = new RoutePolicies(perRouteNames(ctx.filterName, CORS_FILTER_NAME));
  }

  create(callbacks: DecoderFilterCallbacks): { decoder: CorsFilter; encoder: CorsFilter } {
    const f = new CorsFilter(this, callbacks);
    return { decoder: f, encoder: f };
  }
}

/** The CORS filter of one stream (a decoder and an encoder filter). */
export class CorsFilter extends PassThroughFilter {
  private policy: MergedCorsPolicy | null = null;
  /** The request's Origin when the policy allows it ('' otherwise). */
  private latchedOrigin = '';
  /** The filter is enabled (not shadow-only) and the request has an Origin. */
  private isCorsRequest = false;

  constructor(private readonly factory: CorsFilterFactory, private readonly cb: DecoderFilterCallbacks) {
    super();
  }

  override decodeHeaders(head: RequestHead, _endStream: boolean): FilterStatus {
    const match = this.cb.route();
    // Bypassed for direct responses and redirects, as in Envoy (no route entry).
    if (match === null || match.route.action.kind !== 'route') return FilterStatus.Continue;
    const policy = this.factory.policies.of(match);
    if (policy === null) return FilterStatus.Continue;
    const random = this.factory.random;
    const enabled = policy.enabled(random);
    if (!enabled && !policy.shadowEnabled(random)) return FilterStatus.Continue;
    const h = head.headers;
    const origin = h.get('origin');
    if (origin === undefined || origin === '') return FilterStatus.Continue;
    const allowed = policy.isOriginAllowed(origin);
    const stats = this.factory.stats;
    if (allowed) {
      stats.origin_valid.inc();
      this.latchedOrigin = origin;
    } else {
      stats.origin_invalid.inc();
    }
    // Shadow-only: the origin is evaluated and counted, nothing is enforced.
    if (!enabled) return FilterStatus.Continue;
    this.policy = policy;
    this.isCorsRequest = true;
    if (head.method !== 'OPTIONS') return FilterStatus.Continue;
    const requestMethod = h.get('access-control-request-method');
    if (requestMethod === undefined || requestMethod === '') return FilterStatus.Continue;
    if (!allowed && policy.forwardNotMatchingPreflights) return FilterStatus.Continue;
    this.sendPreflightResponse(policy, h, allowed ? origin : '', requestMethod);
    return FilterStatus.StopIteration;
  }

  private sendPreflightResponse(policy: MergedCorsPolicy, req: HeaderMap, origin: string, requestMethod: string): void {
    const out = new HeaderMap();
    if (origin !== '') out.set('access-control-allow-origin', origin);
    if (policy.allowCredentials) out.set('access-control-allow-credentials', 'true');
    const methods = policy.allowMethods;
    if (methods !== '') out.set('access-control-allow-methods', methods === '*' ? requestMethod : methods);
    const headers = policy.allowHeaders;
    if (headers !== '') {
      out.set('access-control-allow-headers', headers === '*' ? req.get('access-control-request-headers') ?? '' : headers);
    }
    if (policy.maxAge !== '') out.set('access-control-max-age', policy.maxAge);
    if (policy.allowPrivateNetworkAccess && req.get('access-control-request-private-network') === 'true') {
      out.set('access-control-allow-private-network', 'true');
    }
    this.cb.streamInfo.responseCodeDetails = 'cors_response';
    this.cb.encodeHeaders({ status: 200, headers: out }, true);
  }

  /** Simple requests: the allow headers on the response when the Origin matched. */
  override encodeHeaders(head: ResponseHead, _endStream: boolean): FilterStatus {
    if (!this.isCorsRequest || this.latchedOrigin === '') return FilterStatus.Continue;
    const h = head.headers;
    h.set('access-control-allow-origin', this.latchedOrigin);
    const policy = this.policy!;
    if (policy.allowCredentials) h.set('access-control-allow-credentials', 'true');
    if (policy.exposeHeaders !== '') h.set('access-control-expose-headers', policy.exposeHeaders);
    return FilterStatus.Continue;
  }
}
