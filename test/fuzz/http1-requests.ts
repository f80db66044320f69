// HTTP/1.1 request streams for the HTTP/1 fuzz targets: valid requests (methods, paths, headers,
// content-length or chunked bodies with trailers), their bytes mutated, and split points.
import fc from 'fast-check';
import { byteEdit, type ByteEdit } from './byte-mutation.js';

/** One valid request; `route` picks the proxy's direct response or its echo upstream. */
export interface ValidRequest {
  method: string;
  route: 'direct' | 'echo';
  path: string;
  headers: [string, string][];
  body: Uint8Array | null;
  /** Chunk sizes of a chunked body (null: content-length); trailers go with a chunked body. */
  chunks: number[] | null;
  trailers: [string, string][];
}

const TOKEN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-';
const PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%";
const VALUE_CHARS = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';

const chars = (alphabet: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet.split('')), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** A header value as a client sends it: no leading or trailing blanks (they are not part of the value). */
const headerValue = chars(VALUE_CHARS, 0, 40).map((v) => v.trim());
/** Names under x-f- so they never mean anything to the proxy. */
const headerName = chars(TOKEN, 1, 12).map((n) => `X-F-${n}`);

export const validRequest: fc.Arbitrary<ValidRequest> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  // Mostly the upstream: a direct answer to a request with a body closes the connection (as Envoy), ending a pipeline.
  route: fc.oneof({ arbitrary: fc.constant('echo' as const), weight: 3 }, fc.constant('direct' as const)),
  path: fc.tuple(fc.array(chars(PATH_CHARS.replace('%', ''), 0, 8), { maxLength: 4 }), fc.option(chars(PATH_CHARS, 0, 12)))
    .map(([segs, q]) => segs.map((s) => `/${s}`).join('') + (q === null ? '' : `?${q}`)),
  headers: fc.uniqueArray(fc.tuple(headerName, headerValue), { maxLength: 5, selector: ([n]) => n.toLowerCase() }),
  body: fc.option(fc.uint8Array({ maxLength: 3000 })),
  chunks: fc.option(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 })),
  trailers: fc.uniqueArray(fc.tuple(headerName, headerValue), { maxLength: 2, selector: ([n]) => n.toLowerCase() }),
});

/** The request's path as sent (the route's prefix first). */
export function targetOf(r: ValidRequest): string {
  return (r.route === 'direct' ? '/direct' : '/echo') + r.path;
}

/** The request's bytes; the last of a pipeline may ask to close the connection. */
export function requestBytes(r: ValidRequest, close = false): Buffer {
  const lines = [`${r.method} ${targetOf(r)} HTTP/1.1`, 'Host: fuzz.local', ...r.headers.map(([n, v]) => `${n}: ${v}`)];
  if (close) lines.push('Connection: close');
  const head = (extra: string[]): Buffer => Buffer.from([...lines, ...extra, '', ''].join('\r\n'), 'latin1');
  if (r.body === null) return head([]);
  if (r.chunks === null) return Buffer.concat([head([`Content-Length: ${r.body.length}`]), r.body]);
  const parts: Buffer[] = [head(['Transfer-Encoding: chunked'])];
  let at = 0;
  for (let i = 0; at < r.body.length; i++) {
    const n = Math.min(r.chunks[i % r.chunks.length]!, r.body.length - at);
    parts.push(Buffer.from(`${n.toString(16)}${i % 2 === 1 ? ';ext=1' : ''}\r\n`, 'latin1'), Buffer.from(r.body.subarray(at, at + n)),
      Buffer.from('\r\n'));
    at += n;
  }
  parts.push(Buffer.from(['0', ...r.trailers.map(([n, v]) => `${n}: ${v}`), '', ''].join('\r\n'), 'latin1'));
  return Buffer.concat(parts);
}

/** Pieces of HTTP/1 that parsers trip on: framing conflicts, overflows, bare CR/LF, upgrades, other protocols. */
const SNIPPETS = ['\r\n', '\n', '\r', '\0', ' ', '\t', ':', '\x7f', '\xff\xfe', 'Transfer-Encoding: chunked\r\n',
  'Content-Length: 5\r\n', 'Content-Length: -1\r\n', 'Content-Length: 99999999999999999999\r\n', 'Content-Length: 1, 2\r\n',
  'Content-Length: 0\r\nContent-Length: 7\r\n', 'Transfer-Encoding: gzip, chunked\r\n', 'Transfer-Encoding: identity\r\n',
  'Expect: 100-continue\r\n', 'Upgrade: websocket\r\nConnection: upgrade\r\n',
  'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n', 'Host: a\r\n', 'Host: \r\n',
  'Host: a b\r\n', ' folded\r\n', 'Connection: close\r\n', 'Connection: keep-alive, x\r\n', 'TE: trailers\r\n', ':authority: x\r\n',
  'X-Envoy-Original-Path: /x\r\n', 'Proxy-Connection: keep-alive\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'GET / HTTP/1.1\r\n',
  'GET / HTTP/1.0\r\n\r\n', 'GET http://127.0.0.1:1/x HTTP/1.1\r\n', 'OPTIONS * HTTP/1.1\r\n', 'CONNECT 127.0.0.1:1 HTTP/1.1\r\n',
  'HTTP/1.1 200 OK\r\n', 'GET / HTTP/9.9\r\n', 'ffffffffffffffffff\r\n', '0\r\n\r\n', '5;a=b\r\nhello\r\n', '/../../', '%00', '#frag',
  'a:b\r\n'.repeat(120), `X-Big: ${'x'.repeat(70_000)}\r\n`, 'é', '\u2028'];

/** Byte edits plus insertions of the snippets above. */
export const requestEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  { arbitrary: byteEdit, weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(),
    bytes: fc.constantFrom(...SNIPPETS).map((s) => new Uint8Array(Buffer.from(s, 'latin1'))) }), weight: 3 },
);

/** Split points of a byte stream (positions modulo its length), so the pieces arrive as separate reads. */
export const splits = fc.array(fc.nat(), { maxLength: 6 });

/** The stream cut at the given points. */
export function splitAt(data: Buffer, points: readonly number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => (data.length === 0 ? 0 : p % data.length)))].filter((p) => p > 0).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of cuts) {
    out.push(data.subarray(from, c));
    from = c;
  }
  out.push(data.subarray(from));
  return out.filter((b) => b.length > 0);
}
