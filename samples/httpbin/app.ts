// The httpbin request handler: reads the request, runs the endpoint, writes the answer with
// httpbin's shapes (jsonify bodies, CORS headers on every response, werkzeug error pages).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { jsonify, pyDumps, type PyValue } from './py-json.js';
import { BadBodyError, canonicalHeaders, headerValue, origin, pick, requestInfo, requestUrl, semiflatten,
  visibleHeaders, type RequestInfo } from './request-info.js';
import { matchRoute, type RouteMatch } from './routes.js';
import { parseStatusCodes, statusResponse, weightedChoice } from './status.js';

/** Largest request body read (werkzeug has no limit; a sample should not buffer without one). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** httpbin's caps: /delay at 10 s, /bytes at 100 KiB, /stream at 100 lines. */
const MAX_DELAY_S = 10;
const MAX_BYTES = 100 * 1024;
const MAX_STREAM_LINES = 100;

const HTML = 'text/html; charset=utf-8';
const BODY_KEYS = ['url', 'args', 'form', 'data', 'origin', 'headers', 'files', 'json'] as const;

/** werkzeug's HTML error page (the 0.14 one the httpbin images ship). */
function errorPage(status: number, title: string, description: string): string {
  return '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n'
    + `<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${description}</p>\n`;
}
const NOT_FOUND = errorPage(404, 'Not Found', 'The requested URL was not found on the server.  '
  + 'If you entered the URL manually please check your spelling and try again.');
const NOT_ALLOWED = errorPage(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
const TOO_LARGE = errorPage(413, 'Request Entity Too Large', 'The data value transmitted exceeds the capacity limit.');

/** /delay's argument in seconds (fractions allowed, capped at 10), or undefined when not a number. */
export function parseDelay(raw: string): number | undefined {
  if (!/^\s*([0-9]+\.?[0-9]*|\.[0-9]+)\s*$/.test(raw)) return undefined;
  return Math.min(Number(raw), MAX_DELAY_S);
}

/** n bytes from a generator seeded like random.seed(seed) would be (same seed, same bytes). */
function seededBytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    // mulberry32: small, fast, good enough for test payloads.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** One httpbin server's request handling; close() cancels pending /delay timers. */
export class HttpbinApp {
  private readonly delays = new Set<NodeJS.Timeout>();

  /** node:http 'request' listener. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) this.send(req, res, 413, { 'Content-Type': HTML }, TOO_LARGE);
      else this.dispatch(req, res, Buffer.concat(chunks)).catch((err: unknown) => this.fail(req, res, err));
    });
    req.on('error', () => res.destroy());
  }

  /** Cancels pending /delay responses so a closing server does not wait for them. */
  close(): void {
    for (const t of this.delays) clearTimeout(t);
    this.delays.clear();
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const route = matchRoute(path);
    const method = req.method ?? 'GET';
    if (route === undefined) return this.send(req, res, 404, { 'Content-Type': HTML }, NOT_FOUND);
    if (method === 'OPTIONS') return this.send(req, res, 200, { 'Content-Type': HTML, Allow: route.allow.join(', ') }, '');
    if (!route.allow.includes(method)) {
      return this.send(req, res, 405, { 'Content-Type': HTML, Allow: route.allow.join(', ') }, NOT_ALLOWED);
    }
    const query = url.searchParams;
    switch (route.endpoint) {
      case 'index': return this.send(req, res, 200, { 'Content-Type': HTML }, indexPage());
      case 'headers': return this.json(req, res, { headers: visibleHeaders(canonicalHeaders(req), query) });
      case 'ip': return this.json(req, res, { origin: origin(req, canonicalHeaders(req)) });
      case 'user-agent': return this.json(req, res, { 'user-agent': headerValue(canonicalHeaders(req), 'user-agent') ?? null });
      case 'uuid': return this.json(req, res, { uuid: randomUUID() });
      case 'get': return this.json(req, res, pick(await requestInfo(req, query, body), ['url', 'args', 'headers', 'origin']));
      case 'anything': return this.json(req, res, pick(await requestInfo(req, query, body), [...BODY_KEYS, 'method']));
      case 'post': case 'put': case 'patch': case 'delete':
        return this.json(req, res, pick(await requestInfo(req, query, body), BODY_KEYS));
      case 'status': return this.status(req, res, route);
      case 'delay': return this.delay(req, res, route, await requestInfo(req, query, body));
      case 'response-headers': return this.responseHeaders(req, res, query);
      case 'bytes': return this.bytes(req, res, Number(route.param), query);
      case 'stream': return this.stream(req, res, Number(route.param), query);
    }
  }

  private status(req: IncomingMessage, res: ServerResponse, route: RouteMatch): void {
    const choices = parseStatusCodes(route.param);
    if (choices === undefined) return this.send(req, res, 400, { 'Content-Type': HTML }, 'Invalid status code');
    const canned = statusResponse(weightedChoice(choices));
    this.send(req, res, canned.status, canned.headers, canned.body);
  }

  private delay(req: IncomingMessage, res: ServerResponse, route: RouteMatch, info: RequestInfo): void {
    const seconds = parseDelay(route.param);
    if (seconds === undefined) {
      return this.send(req, res, 400, { 'Content-Type': HTML }, errorPage(400, 'Bad Request', 'delay must be a number of seconds'));
    }
    const timer = setTimeout(() => {
      this.delays.delete(timer);
      this.json(req, res, pick(info, ['url', 'args', 'form', 'data', 'origin', 'headers', 'files']));
    }, seconds * 1000);
    this.delays.add(timer);
    res.once('close', () => { clearTimeout(timer); this.delays.delete(timer); });
  }

  /** The query becomes response headers; the body lists every response header, Content-Length included. */
  private responseHeaders(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const added = [...query];
    for (const [name, value] of added) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[^\t\x20-\x7e\x80-\xff]/.test(value)) {
        return this.send(req, res, 400, { 'Content-Type': HTML }, errorPage(400, 'Bad Request', `invalid header: ${name}`));
      }
    }
    // As httpbin does: re-render until the Content-Length written in the body stops changing.
    let length = 0;
    let body = '';
    for (let i = 0; i < 10; i++) {
      const entries: [string, string][] = [['Content-Type', 'application/json'], ['Content-Length', String(length)], ...added];
      const d: { [k: string]: PyValue } = {};
      for (const [k] of entries) {
        const all = entries.filter(([o]) => o.toLowerCase() === k.toLowerCase()).map(([, v]) => v);
        d[k] = all.length === 1 ? all[0]! : all;
      }
      body = jsonify(d);
      if (Buffer.byteLength(body) === length) break;
      length = Buffer.byteLength(body);
    }
    res.setHeader('Content-Type', 'application/json');
    for (const [name, value] of added) res.appendHeader(name, value);
    this.send(req, res, 200, {}, body);
  }

  private bytes(req: IncomingMessage, res: ServerResponse, n: number, query: URLSearchParams): void {
    const count = Math.min(n, MAX_BYTES);
    const seedText = query.get('seed');
    if (seedText !== null && !/^-?[0-9]+$/.test(seedText)) {
      return this.send(req, res, 400, { 'Content-Type': HTML }, errorPage(400, 'Bad Request', 'seed must be an integer'));
    }
    const data = seedText === null ? randomBytes(count) : seededBytes(count, Number(seedText));
    this.send(req, res, 200, { 'Content-Type': 'application/octet-stream' }, data);
  }

  /** n JSON lines (json.dumps, one line each), sent chunked as the generator yields them. */
  private stream(req: IncomingMessage, res: ServerResponse, n: number, query: URLSearchParams): void {
    const all = canonicalHeaders(req);
    const line: { [k: string]: PyValue } = {
      url: requestUrl(req, all), args: semiflatten(query), headers: visibleHeaders(all, query), origin: origin(req, all), id: 0,
    };
    this.cors(req, res);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const count = Math.min(n, MAX_STREAM_LINES);
    for (let i = 0; i < count; i++) {
      line.id = i;
      res.write(pyDumps(line) + '\n');
    }
    res.end();
  }

  private json(req: IncomingMessage, res: ServerResponse, value: PyValue): void {
    this.send(req, res, 200, { 'Content-Type': 'application/json' }, jsonify(value));
  }

  /** Flask's after_request hook: CORS headers on every response. */
  private cors(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, PATCH, OPTIONS');
      res.setHeader('Access-Control-Max-Age', '3600');
      const asked = req.headers['access-control-request-headers'];
      if (asked !== undefined) res.setHeader('Access-Control-Allow-Headers', asked);
    }
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>,
    body: string | Buffer): void {
    if (res.headersSent || res.destroyed) return;
    this.cors(req, res);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const noBody = status === 204 || status === 304;
    if (!noBody) res.setHeader('Content-Length', Buffer.byteLength(body));
    res.writeHead(status);
    res.end(noBody ? undefined : body);
  }

  private fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (err instanceof BadBodyError) {
      this.send(req, res, 400, { 'Content-Type': HTML }, errorPage(400, 'Bad Request', 'The browser (or proxy) sent a request that this server could not understand.'));
      return;
    }
    console.error('httpbin: internal error:', err);
    this.send(req, res, 500, { 'Content-Type': HTML }, errorPage(500, 'Internal Server Error',
      'The server encountered an internal error and was unable to complete your request.  Either the server is overloaded or there is an error in the application.'));
  }
}

function indexPage(): string {
  const endpoints = ['/headers', '/get', '/anything', '/ip', '/user-agent', '/uuid', '/post', '/put', '/patch',
    '/delete', '/status/:codes', '/delay/:seconds', '/response-headers?key=value', '/bytes/:n', '/stream/:n'];
  return `<!DOCTYPE html>\n<html><head><title>httpbin</title></head><body>\n<h1>httpbin</h1>\n<p>HTTP request &amp; response service.</p>\n<ul>\n${
    endpoints.map((e) => `<li><code>${e.replace(/&/g, '&amp;')}</code></li>`).join('\n')}\n</ul>\n</body></html>\n`;
}
