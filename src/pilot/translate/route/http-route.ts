// One VirtualService HTTPRoute -> Envoy Routes, one per match condition (or one catch-all), with the
// action (forward, redirect or direct response), header mutations and per-route fault/CORS configs.
import { create } from '@bufbuild/protobuf';
import {
  DecoratorSchema, DirectResponseActionSchema, RedirectActionSchema, RedirectAction_RedirectResponseCode, RouteSchema, type Route,
} from '../../../xds/gen/envoy/config/route/v3/route_components_pb.js';
import { corsConfig, CORS_FILTER, faultAny, FAULT_FILTER } from './filters.js';
import { headerMutation } from './headers.js';
import type { ClusterResolver, HTTPMatchRequest, HTTPRoute } from './inputs.js';
import { routeAction } from './action.js';
import { routeMatch } from './match.js';
import { parseOutboundCluster } from './resolve.js';

const REDIRECT_CODES: Record<number, RedirectAction_RedirectResponseCode> = {
  301: RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY, 302: RedirectAction_RedirectResponseCode.FOUND,
  303: RedirectAction_RedirectResponseCode.SEE_OTHER, 307: RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT,
  308: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT,
};

/** Options a caller decides per proxy: which matches apply here (port, gateways, source labels). */
export interface RouteBuildOptions {
  /** Keeps a match condition; default keeps all. */
  readonly keepMatch?: (m: HTTPMatchRequest) => boolean;
  /** The span name's start for routes to several clusters: `<VirtualService>:<port>`. */
  readonly operationPrefix?: string;
}

/**
 * istiod's span name: `host:port` of a route's one cluster `outbound|port|subset|host`, else
 * `fallback` (`<VirtualService>:<port>`), then the match path (`prefix*`, the exact path, the
 * regex; `/*` without one). Undefined when neither applies.
 */
export function routeOperation(route: Route, fallback?: string): string | undefined {
  if (route.action.case !== 'route') return undefined;
  const c = route.action.value.clusterSpecifier;
  const one = c.case === 'cluster' ? parseOutboundCluster(c.value) : undefined;
  const prefix = one !== undefined ? `${one.fqdn}:${one.port}` : fallback;
  if (prefix === undefined) return undefined;
  const p = route.match?.pathSpecifier;
  const path = p?.case === 'prefix' ? `${p.value}*` : p?.case === 'path' ? p.value : p?.case === 'safeRegex' ? p.value.regex : '/*';
  return `${prefix}${path}`;
}

/** The Envoy routes of one HTTPRoute; [] when none of its matches apply to this proxy. */
export function httpRoutes(r: HTTPRoute, resolve: ClusterResolver, opts: RouteBuildOptions = {}): Route[] {
  const matches = r.match === undefined || r.match.length === 0 ? [undefined] : r.match.filter((m) => opts.keepMatch?.(m) ?? true);
  return matches.map((m) => {
    const route = create(RouteSchema, { match: routeMatch(m), name: m?.name ?? r.name ?? '' });
    if (r.redirect !== undefined) {
      const rd = r.redirect;
      route.action = { case: 'redirect', value: create(RedirectActionSchema, {
        pathRewriteSpecifier: rd.uri !== undefined ? { case: 'pathRedirect', value: rd.uri } : { case: undefined },
        hostRedirect: rd.authority ?? '', portRedirect: rd.port ?? 0,
        schemeRewriteSpecifier: rd.scheme !== undefined ? { case: 'schemeRedirect', value: rd.scheme } : { case: undefined },
        responseCode: REDIRECT_CODES[rd.redirectCode ?? 301] ?? RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
      }) };
    } else if (r.directResponse !== undefined) {
      const body = r.directResponse.body;
      route.action = { case: 'directResponse', value: create(DirectResponseActionSchema, {
        status: r.directResponse.status,
        body: body?.string !== undefined ? { specifier: { case: 'inlineString', value: body.string } }
          : body?.bytes !== undefined ? { specifier: { case: 'inlineBytes', value: Buffer.from(body.bytes, 'base64') } } : undefined,
      }) };
    } else {
      route.action = { case: 'route', value: routeAction(r, resolve) };
      const operation = routeOperation(route, opts.operationPrefix);
      if (operation !== undefined) route.decorator = create(DecoratorSchema, { operation });
    }
    const req = headerMutation(r.headers?.request);
    const res = headerMutation(r.headers?.response);
    route.requestHeadersToAdd = req.add;
    route.requestHeadersToRemove = req.remove;
    route.responseHeadersToAdd = res.add;
    route.responseHeadersToRemove = res.remove;
    if (r.fault !== undefined) route.typedPerFilterConfig[FAULT_FILTER] = faultAny(r.fault);
    if (r.corsPolicy !== undefined) route.typedPerFilterConfig[CORS_FILTER] = corsConfig(r.corsPolicy);
    return route;
  });
}
