// HTTP/1 wire text: status lines (cached per status), header blocks, chunk framing and the
// error response the server codec sends on a request it cannot parse.
import { STATUS_CODES } from 'node:http';
import type { HeaderMap } from '../../headers.js';
import { currentDate } from '../../conn-manager/date.js';

export const CRLF = '\r\n';
/** End of a chunked body without trailers. */
export const LAST_CHUNK = '0\r\n\r\n';
/** The interim response the server sends for `Expect: 100-continue` (Envoy's default, proxy_100_continue off). */
export const CONTINUE_100 = 'HTTP/1.1 100 Continue\r\n\r\n';

const lines11: string[] = [];
const lines10: string[] = [];

/** Envoy's reason phrase for a status ("Unknown" when it has none). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

/** `HTTP/1.x <status> <reason>\r\n`, built once per status. */
export function statusLine(status: number, http10: boolean): string {
  const cache = http10 ? lines10 : lines11;
  let line = cache[status];
  if (line === undefined) {
    line = `${http10 ? 'HTTP/1.0' : 'HTTP/1.1'} ${status} ${reasonPhrase(status)}\r\n`;
    if (status >= 100 && status < 1000) cache[status] = line;
  }
  return line;
}

/** Whether a header value would break the framing (CR or LF): such entries are dropped, never written. */
export function unsafeValue(v: string): boolean {
  return v.indexOf('\n') !== -1 || v.indexOf('\r') !== -1;
}

/**
 * `name: value\r\n` for every entry except `transfer-encoding` (the codec decides framing);
 * `skipHost` also drops `host` (the request line's authority is written separately).
 */
export function headerBlock(h: HeaderMap, skipHost: boolean): string {
  const names = h.names;
  const values = h.values;
  let text = '';
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    const v = values[i];
    if (n.length === 17 && n === 'transfer-encoding') continue;
    if (skipHost && n.length === 4 && n === 'host') continue;
    if (unsafeValue(v)) continue;
    text += n + ': ' + v + CRLF;
  }
  return text;
}

/** A trailer section ending a chunked body: `0\r\n`, the trailers, then the blank line. */
export function trailerBlock(t: HeaderMap): string {
  let text = '0\r\n';
  for (let i = 0; i < t.names.length; i++) {
    const v = t.values[i];
    if (!unsafeValue(v)) text += t.names[i] + ': ' + v + CRLF;
  }
  return text + CRLF;
}

/**
 * One piece of an outgoing body (request or response) as `[before, body, after]`: with chunked framing
 * its size line and CRLF (the last chunk when it ends the body), else the bytes as they are.
 * `prefix`: what goes first (a head held back until the first body bytes).
 */
export function framePiece(chunked: boolean, prefix: string, chunk: Buffer | null, endStream: boolean): [string, Buffer | null, string] {
  if (!chunked) return [prefix, chunk, ''];
  const size = chunk === null ? 0 : chunk.length;
  if (size > 0) return [prefix + size.toString(16) + CRLF, chunk, endStream ? CRLF + LAST_CHUNK : CRLF];
  return [prefix, null, endStream ? LAST_CHUNK : ''];
}

/** The end of a body that has trailers: chunked framing sends them; without it (content-length, close-delimited) they are dropped. */
export const frameTrailers = (chunked: boolean, t: HeaderMap): string => (chunked ? trailerBlock(t) : '');

/** Whether a comma-separated header value holds `token` (lower-case), ignoring case and spaces. */
export function hasToken(value: string, token: string): boolean {
  const v = value.toLowerCase();
  let from = 0;
  for (;;) {
    const i = v.indexOf(token, from);
    if (i === -1) return false;
    const before = i === 0 ? 44 : v.charCodeAt(i - 1);
    const afterIdx = i + token.length;
    const after = afterIdx >= v.length ? 44 : v.charCodeAt(afterIdx);
    if ((before === 44 || before === 32 || before === 9) && (after === 44 || after === 32 || after === 9)) return true;
    from = i + 1;
  }
}

/** Methods whose headers-only requests get no `content-length: 0` (Envoy's requestShouldHaveNoBody). */
export function bodilessMethod(method: string): boolean {
  switch (method) {
    case 'GET': case 'HEAD': case 'DELETE': case 'TRACE': case 'CONNECT': return true;
    default: return false;
  }
}

/**
 * The codec's own reply to a request it refuses, for decoders that make no local replies (the connection
 * manager makes them): shaped like Envoy's local reply for a codec error, the reason phrase as a text/plain
 * body, and the connection closes.
 */
export function errorResponse(status: number, serverName: string): string {
  const body = reasonPhrase(status);
  return `${statusLine(status, false)}content-length: ${body.length}\r\ncontent-type: text/plain\r\n` +
    `date: ${currentDate()}\r\nserver: ${serverName}\r\nconnection: close\r\n\r\n${body}`;
}
