// Delegate VirtualServices merged into their root as istiod's mergeVirtualServicesIfNeeded does: a
// root route with `delegate` is replaced by the delegate's routes under the root's match conditions.
import type { ConfigObject } from '../../config/object.js';
import type { DelegatingHTTPRoute, VirtualServiceSpec } from '../../config/kinds/virtual-service.js';
import type { PushContext } from '../../model/push-context.js';
import type { HTTPMatchRequest, HTTPRoute, IstioStringMatch } from './inputs.js';

/** An HTTP route with the namespace its destinations resolve in (the delegate's for delegated routes). */
export interface ScopedRoute {
  readonly route: HTTPRoute;
  readonly namespace: string;
}

const same = (a: IstioStringMatch | undefined, b: IstioStringMatch | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

function mergeMaps(a: Record<string, IstioStringMatch> | undefined, b: Record<string, IstioStringMatch> | undefined): Record<string, IstioStringMatch> | undefined | null {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (k in out && !same(out[k], v)) return null;
    out[k] = v;
  }
  return out;
}

/** One root match AND one delegate match; null when they conflict (the delegate's uri must lie under the root's prefix). */
function mergeMatch(root: HTTPMatchRequest, del: HTTPMatchRequest): HTTPMatchRequest | null {
  const out: HTTPMatchRequest = { ...root, ...Object.fromEntries(Object.entries(del).filter(([, v]) => v !== undefined)) };
  if (root.uri !== undefined && del.uri !== undefined) {
    const base = root.uri.prefix ?? root.uri.exact;
    const inner = del.uri.prefix ?? del.uri.exact;
    if (root.uri.regex !== undefined || del.uri.regex !== undefined || base === undefined || inner === undefined) {
      if (!same(root.uri, del.uri)) return null;
    } else if (root.uri.exact !== undefined ? inner !== base || del.uri.prefix !== undefined : !inner.startsWith(base)) {
      return null;
    }
  }
  for (const k of ['scheme', 'method', 'authority'] as const) {
    if (root[k] !== undefined && del[k] !== undefined && !same(root[k], del[k])) return null;
  }
  for (const k of ['headers', 'withoutHeaders', 'queryParams'] as const) {
    const m = mergeMaps(root[k], del[k]);
    if (m === null) return null;
    if (m !== undefined) out[k] = m;
  }
  return out;
}

function mergeMatches(root: HTTPMatchRequest[] | undefined, del: HTTPMatchRequest[] | undefined): HTTPMatchRequest[] | null {
  if (root === undefined || root.length === 0) return del ?? [];
  if (del === undefined || del.length === 0) return root;
  const out: HTTPMatchRequest[] = [];
  for (const r of root) for (const d of del) {
    const m = mergeMatch(r, d);
    if (m !== null) out.push(m);
  }
  return out.length === 0 ? null : out;
}

/** mergeHTTPRoute: the delegate's route under the root's matches, root settings filling what the delegate leaves unset. */
function mergeRoute(root: DelegatingHTTPRoute, del: HTTPRoute): HTTPRoute | null {
  const match = mergeMatches(root.match, del.match);
  if (match === null) return null;
  const name = del.name === undefined ? root.name : root.name !== undefined ? `${root.name}-${del.name}` : del.name;
  return {
    ...del, match, name,
    rewrite: del.rewrite ?? root.rewrite, directResponse: del.directResponse ?? root.directResponse, timeout: del.timeout ?? root.timeout, retries: del.retries ?? root.retries,
    fault: del.fault ?? root.fault, mirror: del.mirror ?? root.mirror, mirrorPercentage: del.mirrorPercentage ?? root.mirrorPercentage,
    corsPolicy: del.corsPolicy ?? root.corsPolicy, headers: del.headers ?? root.headers,
  };
}

/** The HTTP routes of a root VirtualService with delegates expanded (a missing delegate contributes nothing). */
export function expandedRoutes(push: PushContext, vs: ConfigObject<VirtualServiceSpec>): ScopedRoute[] {
  const ns = vs.metadata.namespace ?? 'default';
  const out: ScopedRoute[] = [];
  for (const r of vs.spec.http ?? []) {
    if (r.delegate === undefined) {
      out.push({ route: r, namespace: ns });
      continue;
    }
    const dns = r.delegate.namespace ?? ns;
    const del = push.virtualService(dns, r.delegate.name);
    for (const d of del?.spec.http ?? []) {
      const merged = mergeRoute(r, d);
      if (merged !== null) out.push({ route: merged, namespace: dns });
    }
  }
  return out;
}
