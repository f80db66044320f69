// Applying a matched route to the request and response heads: header mutations of every level in
// Envoy's order, host and path rewrites (with x-envoy-original-* headers), and Host port stripping.
import type { HeaderMap, RequestHead } from '../http/headers.js';
import { portStart } from './domain-index.js';
import { applyMutations } from './header-mutation.js';
import type { HeaderFormatterContext } from './header-format.js';
import { hasPathRewrite, rewritePath, routeHostRewrite } from './rewrite.js';
import type { RouteMatchResult } from './types.js';

/** Applies request_headers_to_add/remove of the weighted cluster, route, virtual host and route config. */
export function applyRequestHeaders(match: RouteMatchResult, head: RequestHead, ctx: HeaderFormatterContext): void {
  const list = match.requestMutations;
  if (list.length !== 0) applyMutations(list, head.headers, head, undefined, ctx);
}

/** Applies response_headers_to_add/remove of every level; %REQ()% reads ctx.requestHead. */
export function applyResponseHeaders(match: RouteMatchResult, responseHeaders: HeaderMap, ctx: HeaderFormatterContext): void {
  const list = match.responseMutations;
  if (list.length !== 0) applyMutations(list, responseHeaders, undefined, responseHeaders, ctx);
}

/** How finalizeRequestHeaders treats Envoy's own headers. */
export interface FinalizeOptions {
  /** Record the originals in x-envoy-original-path / x-envoy-original-host (false with suppress_envoy_headers). */
  readonly keepOriginal: boolean;
}

/**
 * Everything Envoy's RouteEntry::finalizeRequestHeaders does before forwarding: header mutations, then
 * the host rewrite (appending x-forwarded-host when asked), then the path rewrite. Mutates `head`.
 */
export function finalizeRequestHeaders(match: RouteMatchResult, head: RequestHead, ctx: HeaderFormatterContext,
  options: FinalizeOptions): void {
  applyRequestHeaders(match, head, ctx);
  const a = match.route.action;
  if (a.kind !== 'route') return;
  // The weighted cluster's literal is set first and silently; a route-level rewrite then wins.
  const wc = match.weightedCluster;
  if (wc !== null && wc.hostRewriteLiteral !== '') head.authority = wc.hostRewriteLiteral;
  const host = routeHostRewrite(a, head);
  if (host !== '') {
    const old = head.authority;
    if (old !== '') {
      if (options.keepOriginal) head.headers.set('x-envoy-original-host', old);
      if (a.appendXForwardedHost) appendForwardedHost(head.headers, old);
    }
    head.authority = host;
  }
  if (hasPathRewrite(match.route)) {
    const path = rewritePath(match.route, head);
    if (options.keepOriginal) head.headers.set('x-envoy-original-path', head.path);
    head.path = path;
  }
}

/** Appends to x-forwarded-host unless `host` is already its last element (Envoy's idempotent append). */
function appendForwardedHost(headers: HeaderMap, host: string): void {
  const xfh = headers.getJoined('x-forwarded-host');
  if (xfh === undefined || xfh === '') {
    headers.set('x-forwarded-host', host);
    return;
  }
  const last = xfh.slice(xfh.lastIndexOf(',') + 1).trim();
  if (last !== host) headers.set('x-forwarded-host', `${xfh},${host}`);
}

/**
 * The authority with its port removed, as the HCM's strip_any_host_port (listenerPort undefined) or
 * strip_matching_host_port (only when the port equals the listener's) do; CONNECT keeps its port.
 */
export function stripHostPort(head: RequestHead, listenerPort?: number): string {
  const host = head.authority;
  if (head.method === 'CONNECT') return host;
  const p = portStart(host);
  if (p === -1 || p + 1 >= host.length) return host;
  const portText = host.slice(p + 1);
  if (!/^[0-9]{1,10}$/.test(portText)) return host;
  const port = Number(portText);
  if (port > 4294967295) return host;
  if (listenerPort !== undefined && port !== listenerPort) return host;
  return host.slice(0, p);
}
