// The webapp request handler: the HTML page and the /api/catalog and /api/users pass-throughs to
// catalog and forum, with webapp's error bodies and header forwarding.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logRequest } from '../lib/access-log.js';
import { readBody, send, sendJson, sendText, type LogSink } from '../lib/http-util.js';
import type { ProxyEnv } from '../lib/upstream-client.js';
import { renderIndex } from './page.js';
import { forwardedHeaders, parseItemBody, Upstreams } from './upstreams.js';

/** The bodies webapp answers 500 with when an upstream call fails. */
export const CATALOG_ERROR = 'error calling Catalog service';
export const FORUM_ERROR = 'error calling Forum service';

/** One webapp instance. */
export class WebappApp {
  private readonly upstreams: Upstreams;

  constructor(env: ProxyEnv, private readonly log: LogSink) {
    this.upstreams = new Upstreams(env);
  }

  /** node:http 'request' listener. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    logRequest(req, res, this.log);
    readBody(req).then((body) => this.route(req, res, body.toString('utf8')))
      .catch(() => sendText(res, 500, 'Internal Server Error'));
  }

  private async route(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/(.)\/$/, '$1');
    const method = req.method ?? 'GET';
    const headers = forwardedHeaders(req.headers);
    if (path === '/' && (method === 'GET' || method === 'HEAD')) return this.index(res, headers);
    if (path === '/api/healthz') return sendText(res, 200, 'Healthy!');
    if (path === '/api/catalog') {
      return this.catalogCall(res, async () => sendJson(res, 200, await this.upstreams.items(headers)));
    }
    if (path === '/api/catalog/items' && method === 'POST') {
      const item = parseItemBody(body);
      if (item === undefined) return sendText(res, 400, 'Invalid CatalogItem');
      return this.catalogCall(res, async () => {
        await this.upstreams.createItem(item, headers);
        sendJson(res, 200, null);
      });
    }
    const m = /^\/api\/catalog\/items\/(\d+)$/.exec(path);
    if (m !== null) {
      return this.catalogCall(res, async () => sendJson(res, 200, await this.upstreams.item(Number(m[1]), headers)));
    }
    if (path === '/api/users') {
      try {
        return sendJson(res, 200, await this.upstreams.users(headers));
      } catch {
        return sendText(res, 500, FORUM_ERROR);
      }
    }
    send(res, 404, 'text/plain; charset=utf-8', '404 page not found');
  }

  private async catalogCall(res: ServerResponse, call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch {
      sendText(res, 500, CATALOG_ERROR);
    }
  }

  private async index(res: ServerResponse, headers: Record<string, string>): Promise<void> {
    const items = await this.upstreams.items(headers).catch(() => undefined);
    const users = await this.upstreams.users(headers).catch(() => undefined);
    send(res, 200, 'text/html; charset=utf-8', renderIndex(items, users));
  }
}
