// Zipkin's v2 JSON span format (collector_endpoint_version HTTP_JSON): a JSON array of spans
// with µs timestamps, the local endpoint, and string tags.
import type { Span } from '../span.js';

/** Where a Zipkin span says it was recorded. */
export interface ZipkinEndpoint {
  readonly serviceName: string;
  readonly ipv4: string;
}

/** The v2 JSON body of one report. */
export function encodeZipkinV2(spans: readonly Span[], local: ZipkinEndpoint): string {
  return JSON.stringify(spans.map((s) => {
    const out: Record<string, unknown> = { traceId: s.traceId };
    if (s.parentId !== '') out.parentId = s.parentId;
    out.id = s.spanId;
    out.kind = s.kind;
    out.name = s.name;
    out.timestamp = s.startUs;
    out.duration = s.durationUs;
    out.localEndpoint = local.ipv4 === '' ? { serviceName: local.serviceName } : local;
    if (s.tags.size > 0) out.tags = Object.fromEntries(s.tags);
    if (s.shared) out.shared = true;
    return out;
  }));
}
