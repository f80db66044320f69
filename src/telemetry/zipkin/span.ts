// Zipkin's v2 span model and the checks its JSON decoder makes: hex ids (trace ids of 16 or 32
// characters), known kinds, integer timestamps, string tags; names lower-cased as Zipkin does.

export type SpanKind = 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';

export interface Endpoint { serviceName?: string; ipv4?: string; ipv6?: string; port?: number }
export interface Annotation { timestamp: number; value: string }

export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: SpanKind;
  /** Epoch microseconds. */
  timestamp?: number;
  /** Microseconds. */
  duration?: number;
  localEndpoint?: Endpoint;
  remoteEndpoint?: Endpoint;
  annotations?: Annotation[];
  tags?: Record<string, string>;
  debug?: boolean;
  shared?: boolean;
}

/** A span Zipkin's decoder rejects; the message says which span and field. */
export class SpanError extends Error {}

const KINDS = new Set(['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER']);
const HEX = /^[0-9a-f]+$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A trace id as Zipkin keeps it: lower-case hex, left-padded to 16 or 32 characters, a 128-bit id
 * whose high half is zero as its 64-bit low half; undefined when invalid (or all zeros).
 */
export function normalizeTraceId(raw: string): string | undefined {
  const id = raw.toLowerCase();
  if (id.length === 0 || id.length > 32 || !HEX.test(id) || /^0+$/.test(id)) return undefined;
  const padded = id.padStart(id.length > 16 ? 32 : 16, '0');
  return padded.startsWith('0000000000000000') && padded.length === 32 ? padded.slice(16) : padded;
}

function spanId(v: unknown, field: string, at: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 16 || !HEX.test(v.toLowerCase())) {
    throw new SpanError(`${at}: ${field} should be 1 to 16 lower-hex characters, was ${JSON.stringify(v)}`);
  }
  return v.toLowerCase().padStart(16, '0');
}

function micros(v: unknown, field: string, at: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new SpanError(`${at}: ${field} should be a non-negative integer (microseconds), was ${JSON.stringify(v)}`);
  return v === 0 ? undefined : v;
}

function endpoint(v: unknown, field: string, at: string): Endpoint | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new SpanError(`${at}: ${field} should be an object`);
  const e: Endpoint = {};
  if (typeof v['serviceName'] === 'string' && v['serviceName'] !== '') e.serviceName = v['serviceName'].toLowerCase();
  if (typeof v['ipv4'] === 'string') e.ipv4 = v['ipv4'];
  if (typeof v['ipv6'] === 'string') e.ipv6 = v['ipv6'];
  if (typeof v['port'] === 'number' && v['port'] > 0) e.port = v['port'];
  return Object.keys(e).length > 0 ? e : undefined;
}

/** Checks and normalises one decoded JSON span (`at` names it in errors: "span 3"). */
export function decodeSpan(v: unknown, at: string): ZipkinSpan {
  if (!isObject(v)) throw new SpanError(`${at}: expected a span object`);
  if (typeof v['traceId'] !== 'string') throw new SpanError(`${at}: traceId is required`);
  const traceId = normalizeTraceId(v['traceId']);
  if (!traceId) throw new SpanError(`${at}: traceId should be 16 or 32 lower-hex characters, was ${JSON.stringify(v['traceId'])}`);
  if (v['id'] === undefined) throw new SpanError(`${at}: id is required`);
  const s: ZipkinSpan = { traceId, id: spanId(v['id'], 'id', at) };
  if (v['parentId'] !== undefined && v['parentId'] !== null) {
    const p = spanId(v['parentId'], 'parentId', at);
    if (p !== s.id) s.parentId = p;
  }
  if (v['name'] !== undefined && typeof v['name'] !== 'string') throw new SpanError(`${at}: name should be a string`);
  if (v['name']) s.name = (v['name'] as string).toLowerCase();
  if (v['kind'] !== undefined && v['kind'] !== null) {
    if (typeof v['kind'] !== 'string' || !KINDS.has(v['kind'])) throw new SpanError(`${at}: kind should be one of CLIENT, SERVER, PRODUCER, CONSUMER, was ${JSON.stringify(v['kind'])}`);
    s.kind = v['kind'] as SpanKind;
  }
  const timestamp = micros(v['timestamp'], 'timestamp', at);
  const duration = micros(v['duration'], 'duration', at);
  if (timestamp !== undefined) s.timestamp = timestamp;
  if (duration !== undefined) s.duration = duration;
  const local = endpoint(v['localEndpoint'], 'localEndpoint', at);
  const remote = endpoint(v['remoteEndpoint'], 'remoteEndpoint', at);
  if (local) s.localEndpoint = local;
  if (remote) s.remoteEndpoint = remote;
  if (v['annotations'] !== undefined && v['annotations'] !== null) {
    if (!Array.isArray(v['annotations'])) throw new SpanError(`${at}: annotations should be an array`);
    s.annotations = v['annotations'].map((a, i) => {
      if (!isObject(a) || typeof a['value'] !== 'string') throw new SpanError(`${at}: annotations[${i}] needs a string value`);
      const ts = micros(a['timestamp'], `annotations[${i}].timestamp`, at);
      if (ts === undefined) throw new SpanError(`${at}: annotations[${i}] needs a timestamp`);
      return { timestamp: ts, value: a['value'] };
    });
    if (s.annotations.length === 0) delete s.annotations;
  }
  if (v['tags'] !== undefined && v['tags'] !== null) {
    if (!isObject(v['tags'])) throw new SpanError(`${at}: tags should be an object of strings`);
    const tags: Record<string, string> = {};
    for (const [k, t] of Object.entries(v['tags'])) {
      if (typeof t !== 'string') throw new SpanError(`${at}: tag ${JSON.stringify(k)} should be a string, was ${JSON.stringify(t)}`);
      tags[k] = t;
    }
    if (Object.keys(tags).length > 0) s.tags = tags;
  }
  if (v['debug'] === true) s.debug = true;
  if (v['shared'] === true) s.shared = true;
  return s;
}

/** Decodes the body of POST /api/v2/spans: a JSON array of spans. */
export function decodeSpans(text: string): ZipkinSpan[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new SpanError(`Malformed reading List<Span> from json: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) throw new SpanError('Malformed reading List<Span> from json: expected a JSON array of spans');
  return v.map((s, i) => decodeSpan(s, `span ${i}`));
}
