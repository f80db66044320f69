// Zipkin's dependency links (/api/v2/dependencies): parent -> child service calls counted from
// server spans (the caller: remote endpoint or the calling span) and from client spans no server answered.
import type { ZipkinSpan } from './span.js';

export interface DependencyLink { parent: string; child: string; callCount: number; errorCount?: number }

const isServer = (s: ZipkinSpan): boolean => s.kind === 'SERVER' || s.kind === 'CONSUMER';
const isClient = (s: ZipkinSpan): boolean => s.kind === 'CLIENT' || s.kind === 'PRODUCER';

/** The links of one merged trace, as (parent, child, error) calls. */
function calls(spans: readonly ZipkinSpan[]): { parent: string; child: string; error: boolean }[] {
  const byId = new Map<string, ZipkinSpan[]>();
  for (const s of spans) byId.set(s.id, [...byId.get(s.id) ?? [], s]);
  /** The span that called `s`: its client half (same id, not shared), else its parent. */
  const caller = (s: ZipkinSpan): ZipkinSpan | undefined =>
    (s.shared ? byId.get(s.id)?.find((m) => !m.shared) : undefined) ?? (s.parentId ? byId.get(s.parentId)?.find((m) => !m.shared) ?? byId.get(s.parentId)?.[0] : undefined);
  /** The nearest service up the tree from `s` (exclusive), at most spans.length steps. */
  const callerService = (s: ZipkinSpan): string | undefined => {
    let at = caller(s);
    for (let i = 0; at && i < spans.length; i++, at = caller(at)) if (at.localEndpoint?.serviceName) return at.localEndpoint.serviceName;
    return undefined;
  };
  const answered = new Set(spans.filter(isServer).flatMap((s) => [s.shared ? s.id : '', s.parentId ?? '']));
  const out: { parent: string; child: string; error: boolean }[] = [];
  for (const s of spans) {
    const error = s.tags?.['error'] !== undefined;
    if (isServer(s)) {
      const parent = s.remoteEndpoint?.serviceName ?? callerService(s);
      const child = s.localEndpoint?.serviceName;
      if (parent && child) out.push({ parent, child, error });
    } else if (isClient(s) && !answered.has(s.id)) {
      const parent = s.localEndpoint?.serviceName;
      const child = s.remoteEndpoint?.serviceName;
      if (parent && child) out.push({ parent, child, error });
    }
  }
  return out;
}

/** The dependency links of `traces`, ordered by parent then child. */
export function dependencyLinks(traces: readonly ZipkinSpan[][]): DependencyLink[] {
  const links = new Map<string, DependencyLink>();
  for (const t of traces) {
    for (const c of calls(t)) {
      const key = `${c.parent}\u0000${c.child}`;
      const link = links.get(key) ?? { parent: c.parent, child: c.child, callCount: 0 };
      link.callCount++;
      if (c.error) link.errorCount = (link.errorCount ?? 0) + 1;
      links.set(key, link);
    }
  }
  return [...links.values()].sort((a, b) => a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child));
}
