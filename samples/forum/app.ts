// The forum request handler: /api/users from jsonplaceholder (through the mesh's egress) or, with
// LOCAL_USERS=true, from its own copy; x-* headers are forwarded on the outbound call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logRequest } from '../lib/access-log.js';
import { send, sendText, type LogSink } from '../lib/http-util.js';
import { httpCall, type ProxyEnv } from '../lib/upstream-client.js';
import { placeholderUsers } from './users.js';

/** Where the forum fetches its users (the book's ServiceEntry in ch5 lets it out). */
export const USERS_URL = 'http://jsonplaceholder.typicode.com/users';
/** The body forum answers 500 with when the users call fails. */
export const USERS_ERROR = 'error calling Users service';

/** One forum instance. */
export class ForumApp {
  private readonly localUsers: boolean;
  private readonly usersUrl: string;

  constructor(private readonly env: ProxyEnv, private readonly log: LogSink) {
    this.localUsers = env.LOCAL_USERS === 'true';
    this.usersUrl = env.USERS_URL || USERS_URL;
  }

  /** node:http 'request' listener. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    logRequest(req, res, this.log);
    req.resume();
    req.on('end', () => void this.route(req, res));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method Not Allowed\n');
    if (path === '/api/healthz') return send(res, 200, undefined, '');
    if (path !== '/api/users') return sendText(res, 404, '404 page not found\n');
    if (this.localUsers) return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(placeholderUsers()));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-') && value !== undefined) headers[name] = Array.isArray(value) ? value[0] ?? '' : value;
    }
    try {
      const r = await httpCall({ url: this.usersUrl, headers }, this.env);
      if (r.status !== 200) return sendText(res, 500, `${USERS_ERROR}\n`);
      send(res, 200, 'application/json; charset=utf-8', r.body);
    } catch (err) {
      this.log(`The HTTP request failed calling Users service with error ${(err as Error).message}`);
      sendText(res, 500, `${USERS_ERROR}\n`);
    }
  }
}
