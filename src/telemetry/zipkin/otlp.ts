// OTLP/HTTP JSON (ExportTraceServiceRequest) to Zipkin v2 spans, as OpenTelemetry's Zipkin exporter
// maps them: service.name, kinds, nanoseconds -> microseconds, attributes and status as tags.
import { SpanError, decodeSpan, type ZipkinSpan } from './span.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Json : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** OTLP's SpanKind, by number or by its enum name. */
const KIND: Record<string, ZipkinSpan['kind']> = {
  2: 'SERVER', 3: 'CLIENT', 4: 'PRODUCER', 5: 'CONSUMER',
  SPAN_KIND_SERVER: 'SERVER', SPAN_KIND_CLIENT: 'CLIENT', SPAN_KIND_PRODUCER: 'PRODUCER', SPAN_KIND_CONSUMER: 'CONSUMER',
};

/** An AnyValue as the string a Zipkin tag holds. */
function anyValue(v: unknown): string {
  const a = obj(v);
  if (typeof a['stringValue'] === 'string') return a['stringValue'];
  if ('boolValue' in a) return String(a['boolValue']);
  if ('intValue' in a) return String(a['intValue']);
  if ('doubleValue' in a) return String(a['doubleValue']);
  if ('bytesValue' in a) return String(a['bytesValue']);
  if ('arrayValue' in a) return JSON.stringify(arr(obj(a['arrayValue'])['values']).map(anyValue));
  if ('kvlistValue' in a) return JSON.stringify(attributes(obj(a['kvlistValue'])['values']));
  return '';
}

function attributes(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of arr(list).map(obj)) if (typeof kv['key'] === 'string') out[kv['key']] = anyValue(kv['value']);
  return out;
}

/** Unix nanoseconds (a string or a number) -> microseconds. */
function micros(v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s)) return undefined;
  return Number(BigInt(s) / 1000n);
}

function statusTags(status: Json): Record<string, string> {
  const code = status['code'];
  if (code === 2 || code === 'STATUS_CODE_ERROR') {
    return typeof status['message'] === 'string' && status['message'] !== ''
      ? { 'otel.status_code': 'ERROR', error: status['message'] } : { 'otel.status_code': 'ERROR' };
  }
  if (code === 1 || code === 'STATUS_CODE_OK') return { 'otel.status_code': 'OK' };
  return {};
}

function toZipkin(span: Json, serviceName: string, resourceTags: Record<string, string>, scope: Json, at: string): ZipkinSpan {
  const attrs = attributes(span['attributes']);
  const start = micros(span['startTimeUnixNano']);
  const end = micros(span['endTimeUnixNano']);
  const tags: Record<string, string> = { ...resourceTags, ...attrs, ...statusTags(obj(span['status'])) };
  if (typeof scope['name'] === 'string' && scope['name']) tags['otel.scope.name'] = scope['name'];
  const peer = attrs['peer.service'];
  const parent = typeof span['parentSpanId'] === 'string' && span['parentSpanId'] !== '' ? span['parentSpanId'] : undefined;
  return decodeSpan({
    traceId: span['traceId'], id: span['spanId'], parentId: parent, name: span['name'],
    kind: KIND[String(span['kind'])], timestamp: start, duration: start !== undefined && end !== undefined && end > start ? end - start : undefined,
    localEndpoint: { serviceName }, remoteEndpoint: peer ? { serviceName: peer } : undefined,
    annotations: arr(span['events']).map(obj).map((e) => ({ timestamp: micros(e['timeUnixNano']),
      value: Object.keys(attributes(e['attributes'])).length > 0 ? `${String(e['name'])} ${JSON.stringify(attributes(e['attributes']))}` : String(e['name']) })),
    tags,
  }, at);
}

/** Decodes an OTLP JSON ExportTraceServiceRequest into Zipkin spans. */
export function decodeOtlpJson(text: string): ZipkinSpan[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new SpanError(`malformed OTLP JSON: ${(e as Error).message}`);
  }
  const req = obj(v);
  if (!Array.isArray(req['resourceSpans'])) throw new SpanError('malformed OTLP JSON: expected an ExportTraceServiceRequest with resourceSpans');
  const out: ZipkinSpan[] = [];
  req['resourceSpans'].map(obj).forEach((rs, r) => {
    const resource = attributes(obj(rs['resource'])['attributes']);
    const serviceName = resource['service.name'] || 'unknown_service';
    const resourceTags = Object.fromEntries(Object.entries(resource).filter(([k]) => k !== 'service.name'));
    arr(rs['scopeSpans']).map(obj).forEach((ss, s) => {
      arr(ss['spans']).forEach((span, i) => out.push(toZipkin(obj(span), serviceName, resourceTags, obj(ss['scope']), `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`)));
    });
  });
  return out;
}
