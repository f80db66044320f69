// The catalog request handler: /items (json-server style, also under /api/), /blowup chaos,
// one morgan-format log line per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logRequest } from '../lib/access-log.js';
import { parseJson, readBody, send, sendJson, type LogSink } from '../lib/http-util.js';
import { Chaos, type Blowup } from './chaos.js';
import { ItemStore } from './items.js';

const HTML = 'text/html; charset=utf-8';

/** One catalog instance: its items, its blowups, its pending latency timers. */
export class CatalogApp {
  readonly chaos: Chaos;
  private readonly store: ItemStore;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(showImage: boolean, private readonly log: LogSink, random: () => number = Math.random) {
    this.store = new ItemStore(showImage);
    this.chaos = new Chaos(random);
  }

  /** node:http 'request' listener. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    logRequest(req, res, this.log);
    readBody(req).then((body) => this.route(req, res, body)).catch(() => {
      send(res, 400, HTML, 'Bad Request');
    });
  }

  /** Cancels pending latency blowups so a closing server does not wait for them. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private route(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // json-server's rewriter: /api/* is served as /*.
    const path = url.pathname.replace(/^\/api(?=\/)/, '');
    const action = this.chaos.decide(path);
    if (action.kind === 'fail500') {
      res.writeHead(500, { 'Content-Length': '0' });
      res.end();
      return;
    }
    if (action.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (action.delayMs <= 0) return this.serve(req, res, path, body);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.serve(req, res, path, body);
    }, action.delayMs);
    this.timers.add(timer);
    res.once('close', () => { clearTimeout(timer); this.timers.delete(timer); });
  }

  private serve(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
    const method = req.method ?? 'GET';
    const json = parseJson(body);
    const fields = typeof json === 'object' && json !== null && !Array.isArray(json) ? json as Record<string, unknown> : {};
    if (path === '/blowup' || path === '/blowup/') {
      if (method === 'GET') return sendJson(res, 200, this.chaos.snapshot());
      if (method === 'POST') {
        this.chaos.set(fields as Blowup);
        return send(res, 200, HTML, 'blowups=[object Object]');
      }
      if (method === 'DELETE') {
        this.chaos.delete(String(fields.type));
        return send(res, 200, HTML, `deleted blowup ${String(fields.type)}`);
      }
      return sendJson(res, 404, {});
    }
    if (path === '/items' || path === '/items/') {
      if (method === 'GET') return sendJson(res, 200, this.store.list());
      if (method === 'POST') return sendJson(res, 201, this.store.add(fields));
      return sendJson(res, 404, {});
    }
    const m = /^\/items\/([^/]+)\/?$/.exec(path);
    if (m !== null) {
      const id = Number(m[1]);
      if (method === 'GET') {
        const item = Number.isInteger(id) ? this.store.get(id) : undefined;
        return item === undefined ? sendJson(res, 404, {}) : sendJson(res, 200, item);
      }
      if (method === 'PUT' || method === 'PATCH') {
        const current = this.store.get(id);
        const item = current === undefined ? undefined
          : this.store.replace(id, method === 'PATCH' ? { ...current, ...fields } : fields);
        return item === undefined ? sendJson(res, 404, {}) : sendJson(res, 200, item);
      }
      if (method === 'DELETE') return this.store.remove(id) ? sendJson(res, 200, {}) : sendJson(res, 404, {});
    }
    sendJson(res, 404, {});
  }
}
