// Zipkin's merge on read: reports of the same span (same id, same shared flag, same local service)
// become one span; a shared server span with no parent takes its client half's parent.
import type { Annotation, Endpoint, ZipkinSpan } from './span.js';

const mergeEndpoint = (a: Endpoint | undefined, b: Endpoint | undefined): Endpoint | undefined =>
  a === undefined ? b : b === undefined ? a : { ...b, ...a };

function mergeAnnotations(a: Annotation[] | undefined, b: Annotation[] | undefined): Annotation[] | undefined {
  if (!a || !b) return a ?? b;
  const seen = new Map<string, Annotation>();
  for (const x of [...a, ...b]) seen.set(`${x.timestamp} ${x.value}`, x);
  return [...seen.values()].sort((x, y) => x.timestamp - y.timestamp);
}

/** `a` completed with what `b` adds (Zipkin's Span.Builder.merge: fill what is missing, union the lists). */
function mergeTwo(a: ZipkinSpan, b: ZipkinSpan): ZipkinSpan {
  const out: ZipkinSpan = { ...a };
  if (!out.parentId && b.parentId) out.parentId = b.parentId;
  if ((!out.name || out.name === 'unknown') && b.name) out.name = b.name;
  if (!out.kind && b.kind) out.kind = b.kind;
  if (out.timestamp === undefined && b.timestamp !== undefined) out.timestamp = b.timestamp;
  if (out.duration === undefined && b.duration !== undefined) out.duration = b.duration;
  const local = mergeEndpoint(a.localEndpoint, b.localEndpoint);
  const remote = mergeEndpoint(a.remoteEndpoint, b.remoteEndpoint);
  if (local) out.localEndpoint = local;
  if (remote) out.remoteEndpoint = remote;
  const annotations = mergeAnnotations(a.annotations, b.annotations);
  if (annotations) out.annotations = annotations;
  if (a.tags || b.tags) out.tags = { ...b.tags, ...a.tags };
  if (a.debug || b.debug) out.debug = true;
  return out;
}

const sameSpan = (a: ZipkinSpan, b: ZipkinSpan): boolean => {
  if (a.id !== b.id || Boolean(a.shared) !== Boolean(b.shared)) return false;
  const la = a.localEndpoint?.serviceName;
  const lb = b.localEndpoint?.serviceName;
  return la === undefined || lb === undefined || la === lb;
};

/** The spans of one trace, merged as Zipkin returns them, ordered by timestamp (root first when tied). */
export function mergeTrace(spans: readonly ZipkinSpan[]): ZipkinSpan[] {
  /** Span id -> the merged spans with that id (a client half and a shared server half, usually). */
  const byId = new Map<string, ZipkinSpan[]>();
  for (const s of spans) {
    const same = byId.get(s.id) ?? [];
    const i = same.findIndex((m) => sameSpan(m, s));
    if (i < 0) same.push(s);
    else same[i] = mergeTwo(same[i]!, s);
    byId.set(s.id, same);
  }
  const merged: ZipkinSpan[] = [];
  for (const same of byId.values()) {
    const parentId = same.find((m) => !m.shared && m.parentId)?.parentId;
    for (const s of same) merged.push(s.shared && !s.parentId && parentId ? { ...s, parentId } : s);
  }
  return merged.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0) || Number(Boolean(a.parentId)) - Number(Boolean(b.parentId)));
}
