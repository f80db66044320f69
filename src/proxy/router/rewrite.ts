// Path and host rewrites and redirect URLs, computed as Envoy's RouteEntry does: prefix_rewrite
// replaces the matched prefix, regex_rewrite the whole path (the query is kept), newUri for Location.
import type { RequestHead } from '../http/headers.js';
import type { CompiledRoute, ForwardAction, RouteMatchResult } from './types.js';
import type { RegexRewrite } from './string-match.js';

/** Where the path ends: the index of the first '?' or '#' (Envoy's removeQueryAndFragment), else the length. */
export function pathEnd(path: string): number {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) return i;
  }
  return path.length;
}

/** Whether the route rewrites the path (prefix_rewrite or regex_rewrite, including a redirect's). */
export function hasPathRewrite(route: CompiledRoute): boolean {
  const a = route.action;
  if (a.kind !== 'route' && a.kind !== 'redirect') return false;
  return a.prefixRewrite !== '' || a.regexRewrite !== null;
}

/**
 * The request path (query kept) after the route's prefix_rewrite or regex_rewrite; for redirect routes
 * the redirect's own prefix/regex rewrite. Returns head.path itself when nothing is configured.
 */
export function rewritePath(route: CompiledRoute, head: RequestHead): string {
  const a = route.action;
  let prefix: string;
  let regex: RegexRewrite | null;
  if (a.kind === 'route' || a.kind === 'redirect') {
    prefix = a.prefixRewrite;
    regex = a.regexRewrite;
  } else {
    return head.path;
  }
  const path = head.path;
  if (prefix === '' && regex === null) return path;
  const end = pathEnd(path);
  if (prefix !== '') return prefix + path.slice(route.matcher.matchedLength(end));
  return regex!.apply(end === path.length ? path : path.slice(0, end)) + path.slice(end);
}

/** The route-level host rewrite (host_rewrite_literal, host_rewrite_header, host_rewrite_path_regex), or ''. */
export function routeHostRewrite(a: ForwardAction, head: RequestHead): string {
  if (a.hostRewriteLiteral !== '') return a.hostRewriteLiteral;
  if (a.hostRewriteHeader !== '') return head.headers.get(a.hostRewriteHeader) ?? '';
  if (a.hostRewritePathRegex !== null) {
    const end = pathEnd(head.path);
    return a.hostRewritePathRegex.apply(end === head.path.length ? head.path : head.path.slice(0, end));
  }
  return '';
}

/**
 * The authority a forwarded request ends up with: the route-level rewrite, else the weighted cluster's
 * host_rewrite_literal, else null (unchanged). auto_host_rewrite is the router's, once it picks a host.
 */
export function rewrittenHost(match: RouteMatchResult, head: RequestHead): string | null {
  const a = match.route.action;
  if (a.kind !== 'route') return null;
  const host = routeHostRewrite(a, head);
  if (host !== '') return host;
  const wc = match.weightedCluster;
  return wc !== null && wc.hostRewriteLiteral !== '' ? wc.hostRewriteLiteral : null;
}

/** Envoy's processRequestHost: drops the request's port when the redirect sets one or changes the scheme away from its default port. */
function redirectHost(head: RequestHead, scheme: string, port: string): string {
  const host = head.authority;
  if (host === '') return host;
  let colon: number;
  if (host.charCodeAt(0) === 91 /* [ */) {
    colon = host.lastIndexOf(']:');
    if (colon !== -1) colon += 1;
  } else {
    colon = host.lastIndexOf(':');
  }
  if (colon === -1) return host;
  const reqPort = host.slice(colon);
  const proto = head.headers.get('x-forwarded-proto') ?? '';
  let remove = port !== '';
  if (scheme !== proto) {
    const lower = proto.toLowerCase();
    remove ||= (lower === 'https' && reqPort === ':443') || (lower === 'http' && reqPort === ':80');
  }
  return remove ? host.slice(0, colon) : host;
}

/**
 * The Location of a redirect route (or of a 201/3xx direct response), as Envoy's newUri: scheme, host,
 * port and path replaced as configured, prefix/regex rewrites applied, strip_query honoured.
 */
export function redirectLocation(route: CompiledRoute, head: RequestHead): string {
  const a = route.action;
  if (a.kind === 'redirect' && a.sslRedirect) return `https://${head.authority}${head.path}`;
  const r = a.kind === 'redirect' ? a : null;
  let scheme = head.scheme;
  if (r !== null && r.schemeRedirect !== '') scheme = r.schemeRedirect;
  else if (r !== null && r.httpsRedirect) scheme = 'https';
  const port = r === null ? '' : r.portRedirect;
  const host = r !== null && r.hostRedirect !== '' ? r.hostRedirect : redirectHost(head, scheme, port);
  let path: string;
  if (r !== null && r.pathRedirect !== '') {
    if (r.pathRedirectHasQuery) {
      path = r.pathRedirect;
    } else {
      const q = head.path.indexOf('?');
      path = q === -1 ? r.pathRedirect : r.pathRedirect + head.path.slice(q);
    }
  } else {
    path = rewritePath(route, head);
  }
  if (!path.startsWith('/')) path = `/${path}`;
  if (r !== null && !r.pathRedirectHasQuery && r.stripQuery) {
    const q = path.indexOf('?');
    if (q !== -1) path = path.slice(0, q);
  }
  return `${scheme}://${host}${port}${path}`;
}
