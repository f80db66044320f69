// Converts between node:http2 raw header lists / header objects and Strait's heads and HeaderMaps.
// Drops what HTTP/2 forbids on the way out, so node never throws on a header the proxy forwards.
import type { OutgoingHttpHeaders } from 'node:http2';
import { HeaderMap, type RequestHead, type ResponseHead } from '../../headers.js';

const COLON = 0x3a;

/** Connection-specific headers HTTP/2 forbids (RFC 9113 8.2.2); `host` travels as :authority. */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/** Headers node refuses to send more than once; later duplicates are dropped instead of throwing. */
const SINGLE_VALUE = new Set([
  'access-control-allow-credentials', 'access-control-max-age', 'access-control-request-method', 'age',
  'authorization', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5',
  'content-range', 'content-type', 'date', 'dnt', 'etag', 'expires', 'from', 'if-match', 'if-modified-since',
  'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards',
  'proxy-authorization', 'range', 'referer', 'retry-after', 'tk', 'upgrade-insecure-requests', 'user-agent',
  'x-content-type-options',
]);

/** RFC 9110 token characters; node destroys a whole client session when a header name is not a token. */
const TOKEN = new Uint8Array(128);
const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
for (let i = 0; i < TOKEN_CHARS.length; i++) TOKEN[TOKEN_CHARS.charCodeAt(i)] = 1;

function isToken(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) return false;
  }
  return name.length > 0;
}

/** Bytes in a raw header list as Envoy counts them for max_request_headers_kb (names plus values). */
export function rawHeaderBytes(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) n += raw[i].length;
  return n;
}

/** Builds a request head from the raw [name, value, ...] list of a HEADERS frame. */
export function requestHeadFromRaw(raw: readonly string[], defaultScheme: string): RequestHead {
  const headers = new HeaderMap();
  let method = '';
  let path = '';
  let authority = '';
  let scheme = '';
  let host = '';
  let cookieAt = -1;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (name.charCodeAt(0) === COLON) {
      if (name === ':method') method = value;
      else if (name === ':path') path = value;
      else if (name === ':authority') authority = value;
      else if (name === ':scheme') scheme = value;
    } else if (name === 'cookie') {
      // HTTP/2 lets clients split cookies into crumbs; HTTP/1 upstreams need one header (RFC 9113 8.2.3).
      if (cookieAt === -1) {
        cookieAt = headers.names.length;
        headers.add(name, value);
      } else {
        headers.values[cookieAt] += `; ${value}`;
      }
    } else if (name === 'host') {
      host = value;
    } else {
      headers.add(name, value);
    }
  }
  return {
    method, path, authority: authority === '' ? host : authority, scheme: scheme === '' ? defaultScheme : scheme,
    protocol: 'HTTP/2', headers,
  };
}

/** Builds a response head from the raw list of a response HEADERS frame. */
export function responseHeadFromRaw(raw: readonly string[]): ResponseHead {
  const headers = new HeaderMap();
  let status = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.charCodeAt(0) === COLON) {
      if (name === ':status') status = Number.parseInt(raw[i + 1], 10);
    } else {
      headers.add(name, raw[i + 1]);
    }
  }
  return { status, headers };
}

/** A trailer block as a HeaderMap (pseudo-headers are not allowed in trailers and are skipped). */
export function headerMapFromRaw(raw: readonly string[]): HeaderMap {
  const headers = new HeaderMap();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].charCodeAt(0) !== COLON) headers.add(raw[i], raw[i + 1]);
  }
  return headers;
}

/** Adds the entries of `map` that HTTP/2 may carry to a node header object. */
function addRegular(map: HeaderMap, out: OutgoingHttpHeaders): void {
  const names = map.names;
  const values = map.values;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name.charCodeAt(0) === COLON || DROPPED.has(name) || !isToken(name)) continue;
    const value = values[i];
    // TE is only allowed as "trailers" (gRPC sends it); anything else would make node throw.
    if (name === 'te' && value.trim().toLowerCase() !== 'trailers') continue;
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else if (!SINGLE_VALUE.has(name)) out[name] = [prev as string, value];
  }
}

/** The node header object for sending a request head. */
export function requestHeadersToH2(head: RequestHead): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = Object.create(null);
  out[':method'] = head.method;
  out[':authority'] = head.authority;
  // A plain CONNECT carries neither :scheme nor :path (RFC 9113 8.5); node throws if they are present.
  if (head.method !== 'CONNECT') {
    out[':scheme'] = head.scheme;
    out[':path'] = head.path;
  }
  addRegular(head.headers, out);
  return out;
}

/** The node header object for sending a response head. */
export function responseHeadersToH2(head: ResponseHead): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = Object.create(null);
  out[':status'] = head.status;
  addRegular(head.headers, out);
  return out;
}

/** The node header object for sending trailers. */
export function trailersToH2(trailers: HeaderMap): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = Object.create(null);
  addRegular(trailers, out);
  return out;
}
