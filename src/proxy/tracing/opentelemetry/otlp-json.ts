// OTLP/HTTP JSON (an ExportTraceServiceRequest in protobuf's JSON mapping): one resource with the
// service name, one scope, spans with hex ids, kinds, string nanosecond times and attributes.
import type { Span } from '../span.js';

/** OTLP's SpanKind numbers. */
const KIND = { SERVER: 2, CLIENT: 3 } as const;
/** OTLP's status code ERROR. */
const STATUS_ERROR = 2;

function nanos(us: number): string {
  return `${BigInt(Math.round(us)) * 1000n}`;
}

/** The request body of one export. */
export function encodeOtlpJson(spans: readonly Span[], serviceName: string): string {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
      scopeSpans: [{
        scope: { name: 'envoy' },
        spans: spans.map((s) => {
          const out: Record<string, unknown> = { traceId: s.traceId.padStart(32, '0'), spanId: s.spanId };
          if (s.parentId !== '') out.parentSpanId = s.parentId;
          out.name = s.name;
          out.kind = KIND[s.kind];
          out.startTimeUnixNano = nanos(s.startUs);
          out.endTimeUnixNano = nanos(s.startUs + s.durationUs);
          out.attributes = [...s.tags].map(([key, v]) => ({ key, value: { stringValue: v } }));
          if (s.tags.get('error') === 'true') out.status = { code: STATUS_ERROR };
          return out;
        }),
      }],
    }],
  });
}
