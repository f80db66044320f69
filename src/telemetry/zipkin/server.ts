// The collector's HTTP server: Zipkin's API v2 (POST, queries, dependencies), OTLP/HTTP JSON at
// /v1/traces, /health and the /zipkin/ page. Bad input is a 400 with the reason; it keeps serving.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { decodeOtlpJson } from './otlp.js';
import { tracesPage } from './page.js';
import { QueryError, parseTraceQuery } from './query.js';
import { SpanError, decodeSpans, normalizeTraceId, type ZipkinSpan } from './span.js';
import { TraceStore } from './store.js';

export interface CollectorOptions { host: string; port: number; maxSpans?: number }

export interface Collector {
  url: string;
  port: number;
  store: TraceStore;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/** The request body, inflated per Content-Encoding (gzip, deflate or none), at most MAX_BODY bytes. */
function readBody(req: http.IncomingMessage): Promise<string> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  let stream: Readable = req;
  if (encoding === 'gzip') stream = req.pipe(createGunzip());
  else if (encoding === 'deflate') stream = req.pipe(createInflate());
  else if (encoding !== 'identity') return Promise.reject(new HttpError(415, `unsupported Content-Encoding ${encoding}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { stream.destroy(); reject(new HttpError(413, `body larger than ${MAX_BODY} bytes`)); return; }
      chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', (e) => reject(new HttpError(400, `cannot read the body (${encoding}): ${e.message}`)));
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(body) : String(body);
  res.writeHead(status, { 'content-type': type, 'access-control-allow-origin': '*' });
  res.end(text);
}

function rejectProtobuf(req: http.IncomingMessage): void {
  const type = req.headers['content-type'] ?? '';
  if (/protobuf|thrift/.test(type)) throw new HttpError(415, `${type} is not supported: send JSON (application/json)`);
}

function required(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (!v) throw new HttpError(400, `${name} is required`);
  return v;
}

async function handle(store: TraceStore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'http://collector');
  const path = u.pathname;
  const q = u.searchParams;
  if (req.method === 'POST' && (path === '/api/v2/spans' || path === '/v1/traces')) {
    rejectProtobuf(req);
    const text = await readBody(req);
    const spans: ZipkinSpan[] = path === '/v1/traces' ? decodeOtlpJson(text) : decodeSpans(text);
    store.accept(spans);
    if (path === '/v1/traces') return send(res, 200, {});
    res.writeHead(202, { 'access-control-allow-origin': '*' });
    res.end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed on ${path}`);
  if (path === '/health') return send(res, 200, { status: 'UP', zipkin: { status: 'UP', details: { InMemoryStorage: { status: 'UP' } } } });
  if (path === '/api/v2/services') return send(res, 200, store.serviceNames());
  if (path === '/api/v2/spans') return send(res, 200, store.spanNames(required(q, 'serviceName')));
  if (path === '/api/v2/remoteServices') return send(res, 200, store.remoteServiceNames(required(q, 'serviceName')));
  if (path === '/api/v2/traces') return send(res, 200, store.query(parseTraceQuery(q)));
  if (path === '/api/v2/dependencies') {
    const { endTs, lookback } = parseTraceQuery(new URLSearchParams({ endTs: required(q, 'endTs'), lookback: q.get('lookback') ?? '' }));
    return send(res, 200, store.dependencies(endTs, lookback));
  }
  if (path === '/api/v2/traceMany') {
    const ids = required(q, 'traceIds').split(',').map((raw) => normalizeTraceId(raw.trim()) ?? raw);
    return send(res, 200, ids.map((id) => store.trace(id)).filter((t) => t !== undefined));
  }
  const traceMatch = /^\/api\/v2\/trace\/([^/]+)$/.exec(path);
  if (traceMatch) {
    const raw = decodeURIComponent(traceMatch[1]!);
    const id = normalizeTraceId(raw);
    if (!id) throw new HttpError(400, `traceId should be 16 or 32 lower-hex characters, was ${JSON.stringify(raw)}`);
    const trace = store.trace(id);
    if (!trace) return send(res, 404, `${id} not found`, 'text/plain');
    return send(res, 200, trace);
  }
  if (path === '/zipkin/') return send(res, 200, tracesPage(store.query(parseTraceQuery(new URLSearchParams({ limit: '50' }))), store.serviceNames()), 'text/html; charset=utf-8');
  if (path === '/' || path === '/zipkin') {
    res.writeHead(302, { location: '/zipkin/' });
    res.end();
    return;
  }
  throw new HttpError(404, `no such endpoint ${path}`);
}

/** Starts the collector on host:port (0 picks a free port). */
export function startCollector(o: CollectorOptions): Promise<Collector> {
  const store = new TraceStore(o.maxSpans);
  const server = http.createServer((req, res) => {
    handle(store, req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof SpanError || e instanceof QueryError ? 400 : 500;
      if (!res.headersSent) send(res, status, `${(e as Error).message}\n`, 'text/plain');
      else res.destroy();
      if (status === 413) req.resume();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const host = o.host.includes(':') ? `[${o.host}]` : o.host;
      resolve({
        url: `http://${host}:${port}`, port, store,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
