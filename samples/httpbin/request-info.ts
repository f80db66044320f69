// What httpbin reports about a request (its get_dict): url, args, headers in Canonical-Case,
// origin, and the body as form / files / data / json, with werkzeug's rules for each.
import type { IncomingMessage } from 'node:http';
import type { PyValue } from './py-json.js';

/** A JSON object in the order httpbin fills it. */
export type PyDict = { [key: string]: PyValue };

/** The request as httpbin's get_dict sees it. */
export interface RequestInfo {
  url: string;
  args: PyDict;
  form: PyDict;
  data: string;
  origin: string;
  headers: PyDict;
  files: PyDict;
  json: PyValue;
  method: string;
}

/**
 * Headers httpbin hides unless ?show_env is given (set by the hosting platform, not the client).
 * X-Request-Id is shown: the book's citizenstig/httpbin image predates hiding it, and ch3 shows it.
 */
const ENV_HEADERS = new Set([
  'X-Varnish', 'X-Request-Start', 'X-Heroku-Queue-Depth', 'X-Real-Ip', 'X-Forwarded-Proto',
  'X-Forwarded-Protocol', 'X-Forwarded-Ssl', 'X-Heroku-Queue-Wait-Time', 'X-Forwarded-For',
  'X-Heroku-Dynos-In-Use', 'X-Forwarded-Port', 'Via', 'Total-Route-Time',
  'Connect-Time',
]);

/**
 * A header name as werkzeug shows it: WSGI turns "-" into "_", then Python's str.title()
 * upper-cases every letter that follows a non-letter (x-b3-traceid -> X-B3-Traceid).
 */
export function canonicalHeaderName(name: string): string {
  let out = '';
  let prevLetter = false;
  for (const ch of name.replace(/_/g, '-')) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    const letter = lower !== upper;
    out += letter ? (prevLetter ? lower : upper) : ch;
    prevLetter = letter;
  }
  return out;
}

/** All request headers, Canonical-Case, repeated ones joined with "," as gunicorn does. */
export function canonicalHeaders(req: IncomingMessage): PyDict {
  const out: PyDict = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = canonicalHeaderName(raw[i]!);
    const value = raw[i + 1]!;
    // werkzeug drops empty Content-Type / Content-Length (they come from the WSGI environ).
    if (value === '' && (name === 'Content-Type' || name === 'Content-Length')) continue;
    const prev = out[name];
    out[name] = typeof prev === 'string' ? `${prev},${value}` : value;
  }
  return out;
}

/** get_headers: the request's headers without the hosting platform's ones. */
export function visibleHeaders(all: PyDict, args: URLSearchParams): PyDict {
  if (args.has('show_env')) return all;
  const out: PyDict = {};
  for (const [k, v] of Object.entries(all)) if (!ENV_HEADERS.has(k)) out[k] = v;
  return out;
}

/** Looks a header up case-insensitively in a canonical map (CaseInsensitiveDict.get). */
export function headerValue(headers: PyDict, name: string): string | undefined {
  const v = headers[canonicalHeaderName(name)];
  return typeof v === 'string' ? v : undefined;
}

/** werkzeug's semiflatten: one value stays a string, several become a list. */
export function semiflatten(entries: Iterable<[string, string]>): PyDict {
  const out: PyDict = {};
  for (const [k, v] of entries) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** json_safe: UTF-8 text as is, anything else as a base64 data: URL. */
export function jsonSafe(bytes: Uint8Array, contentType = 'application/octet-stream'): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return `data:${contentType};base64,${Buffer.from(bytes).toString('base64')}`;
  }
}

/** The client address as httpbin reports it: X-Forwarded-For if present, else the peer. */
export function origin(req: IncomingMessage, headers: PyDict): string {
  const xff = headerValue(headers, 'x-forwarded-for');
  if (xff !== undefined) return xff;
  const peer = req.socket.remoteAddress ?? '';
  return peer.startsWith('::ffff:') ? peer.slice(7) : peer;
}

/** get_url: the request URL, with the scheme from X-Forwarded-Proto/-Protocol/-Ssl. */
export function requestUrl(req: IncomingMessage, headers: PyDict): string {
  let scheme = headerValue(headers, 'x-forwarded-proto') ?? headerValue(headers, 'x-forwarded-protocol');
  if (scheme === undefined) scheme = headerValue(headers, 'x-forwarded-ssl') === 'on' ? 'https' : 'http';
  const host = headerValue(headers, 'host') ?? `${req.socket.localAddress}:${req.socket.localPort}`;
  return `${scheme}://${host}${req.url ?? '/'}`;
}

/** Splits the body into form / files / data as werkzeug does for its content type. */
async function parseBody(contentType: string, body: Buffer): Promise<{ form: PyDict; files: PyDict; data: string }> {
  const mime = contentType.split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/x-www-form-urlencoded') {
    return { form: semiflatten(new URLSearchParams(body.toString('utf8'))), files: {}, data: '' };
  }
  if (mime === 'multipart/form-data') {
    // undici's multipart parser (behind Response.formData) saves writing our own.
    const parts = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
    const fields: [string, string][] = [];
    const files: [string, string][] = [];
    for (const [name, value] of parts) {
      if (typeof value === 'string') fields.push([name, value]);
      else files.push([name, jsonSafe(new Uint8Array(await value.arrayBuffer()), value.type || 'application/octet-stream')]);
    }
    return { form: semiflatten(fields), files: semiflatten(files), data: '' };
  }
  return { form: {}, files: {}, data: jsonSafe(body) };
}

/** Thrown for a body httpbin cannot parse (a malformed multipart body). */
export class BadBodyError extends Error {}

/** Builds the whole get_dict for a request whose body has been read. */
export async function requestInfo(req: IncomingMessage, query: URLSearchParams, body: Buffer): Promise<RequestInfo> {
  const all = canonicalHeaders(req);
  let parsed: { form: PyDict; files: PyDict; data: string };
  try {
    parsed = await parseBody(headerValue(all, 'content-type') ?? '', body);
  } catch (err) {
    throw new BadBodyError((err as Error).message);
  }
  let json: PyValue = null;
  if (parsed.data !== '') {
    try {
      json = JSON.parse(parsed.data) as PyValue;
    } catch {
      json = null;
    }
  }
  return {
    url: requestUrl(req, all),
    args: semiflatten(query),
    form: parsed.form,
    data: parsed.data,
    origin: origin(req, all),
    headers: visibleHeaders(all, query),
    files: parsed.files,
    json,
    method: req.method ?? 'GET',
  };
}

/** Picks the given keys of a RequestInfo, in that order (get_dict('url', 'args', ...)). */
export function pick(info: RequestInfo, keys: readonly (keyof RequestInfo)[]): PyDict {
  const out: PyDict = {};
  for (const k of keys) out[k] = info[k];
  return out;
}
