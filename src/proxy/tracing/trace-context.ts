// The trace context a request carries between proxies: B3 (multi and single header) and W3C
// traceparent, read from incoming headers and written onto the request sent upstream.
import { randomFillSync } from 'node:crypto';
import type { HeaderMap } from '../http/headers.js';

/** A span's identity as propagated: hex ids (trace 16 or 32 digits, span 16), parent '' for a root. */
export interface SpanContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string;
  /** The sampling decision the context carries, when it carries one. */
  readonly sampled: boolean | undefined;
}

/** What a request's headers say: a context, only a sampling decision, or a malformed context. */
export interface ExtractedContext {
  readonly context: SpanContext | null;
  readonly sampled: boolean | undefined;
  /** The headers named a context that does not parse (Envoy then traces nothing for the request). */
  readonly invalid: boolean;
}

const NONE: ExtractedContext = { context: null, sampled: undefined, invalid: false };
const INVALID: ExtractedContext = { context: null, sampled: undefined, invalid: true };
const HEX16 = /^[0-9a-f]{16}$/;
const TRACE_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;
const ZERO = /^0+$/;

/** Random bytes drawn 4 KiB at a time: one randomFillSync per 512 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** A random 64-bit id as 16 hex digits (never all zeros). */
export function randomSpanId(): string {
  for (;;) {
    if (poolOffset === pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const id = pool.toString('hex', poolOffset, poolOffset + 8);
    poolOffset += 8;
    if (!ZERO.test(id)) return id;
  }
}


function validTraceId(id: string): boolean {
  return TRACE_ID.test(id) && !ZERO.test(id);
}

function validSpanId(id: string): boolean {
  return HEX16.test(id) && !ZERO.test(id);
}

/** x-b3-sampled / b3 sampling state: "1", "true" and "d" (debug) sample; anything else does not. */
function b3Sampled(v: string): boolean {
  return v === '1' || v === 'true' || v === 'd';
}

/** The B3 single header: `traceid-spanid[-sampled[-parentspanid]]`, or only `0`/`1`/`d`. */
function fromB3Single(v: string): ExtractedContext {
  const parts = v.toLowerCase().split('-');
  if (parts.length === 1) {
    if (parts[0] === '0' || parts[0] === '1' || parts[0] === 'd') return { context: null, sampled: parts[0] !== '0', invalid: false };
    return INVALID;
  }
  if (parts.length > 4) return INVALID;
  const [traceId, spanId, flag, parentId = ''] = parts;
  if (!validTraceId(traceId) || !validSpanId(spanId)) return INVALID;
  if (flag !== undefined && flag !== '0' && flag !== '1' && flag !== 'd') return INVALID;
  if (parentId !== '' && !validSpanId(parentId)) return INVALID;
  const sampled = flag === undefined ? undefined : flag !== '0';
  return { context: { traceId, spanId, parentId, sampled }, sampled, invalid: false };
}

/** B3 context from `b3` or the x-b3-* headers; null when the request has none of them. */
function extractB3(h: HeaderMap): ExtractedContext | null {
  const single = h.get('b3');
  if (single !== undefined) return fromB3Single(single);
  const sampledHeader = h.get('x-b3-sampled');
  const sampled = sampledHeader === undefined ? undefined : b3Sampled(sampledHeader.toLowerCase());
  const traceId = h.get('x-b3-traceid')?.toLowerCase();
  const spanId = h.get('x-b3-spanid')?.toLowerCase();
  if (traceId === undefined && spanId === undefined) {
    return sampled === undefined ? null : { context: null, sampled, invalid: false };
  }
  if (traceId === undefined || spanId === undefined || !validTraceId(traceId) || !validSpanId(spanId)) return INVALID;
  const parentId = h.get('x-b3-parentspanid')?.toLowerCase() ?? '';
  if (parentId !== '' && !validSpanId(parentId)) return INVALID;
  return { context: { traceId, spanId, parentId, sampled }, sampled, invalid: false };
}

/** W3C traceparent `00-<trace 32>-<parent 16>-<flags 2>`; null when absent. */
function extractTraceparent(h: HeaderMap): ExtractedContext | null {
  const v = h.get('traceparent');
  if (v === undefined) return null;
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(v.trim().toLowerCase());
  if (m === null || m[1] === 'ff' || ZERO.test(m[2]) || ZERO.test(m[3])) return INVALID;
  const sampled = (parseInt(m[4], 16) & 1) === 1;
  return { context: { traceId: m[2], spanId: m[3], parentId: '', sampled }, sampled, invalid: false };
}

/** B3 first (Zipkin's own format), then traceparent. */
export function extractB3ThenW3c(h: HeaderMap): ExtractedContext {
  return extractB3(h) ?? extractTraceparent(h) ?? NONE;
}

/** traceparent first (OpenTelemetry's format), then B3. */
export function extractW3cThenB3(h: HeaderMap): ExtractedContext {
  const w3c = extractTraceparent(h);
  if (w3c !== null && !w3c.invalid) return w3c;
  return extractB3(h) ?? NONE;
}

/** Writes a span's context for the next hop: B3 multi headers and traceparent (the `b3` single header is dropped). */
export function injectContext(h: HeaderMap, c: SpanContext): void {
  const sampled = c.sampled === true;
  h.remove('b3');
  h.set('x-b3-traceid', c.traceId);
  h.set('x-b3-spanid', c.spanId);
  if (c.parentId !== '') h.set('x-b3-parentspanid', c.parentId);
  else h.remove('x-b3-parentspanid');
  h.set('x-b3-sampled', sampled ? '1' : '0');
  h.set('traceparent', `00-${c.traceId.padStart(32, '0')}-${c.spanId}-${sampled ? '01' : '00'}`);
}
