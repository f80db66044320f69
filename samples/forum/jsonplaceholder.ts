// A local stand-in for jsonplaceholder.typicode.com (the forum's egress target): /users and
// /users/:id with the same ten users, so the book's ServiceEntry scenarios run offline.
import http from 'node:http';
import { listen, type RunningServer, type SampleOptions } from '../lib/http-server.js';
import { consoleLog, sendJson } from '../lib/http-util.js';
import { logRequest } from '../lib/access-log.js';
import { placeholderUsers } from './users.js';

/** Starts the stand-in; port 0 picks a free port (default 80, as the real site). */
export function startJsonplaceholder(opts: SampleOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? consoleLog;
  const server = http.createServer((req, res) => {
    logRequest(req, res, log);
    req.resume();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/(.)\/$/, '$1');
    const users = placeholderUsers();
    if (path === '/users') return sendJson(res, 200, users);
    const m = /^\/users\/(\d+)$/.exec(path);
    const user = m === null ? undefined : users.find((u) => u.id === Number(m[1]));
    if (user !== undefined) return sendJson(res, 200, user);
    sendJson(res, 404, {});
  });
  return listen(server, { host: opts.host ?? '0.0.0.0', port: opts.port ?? 80 });
}
