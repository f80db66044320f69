// The admin HTTP listener (node:http: the admin is not the hot path). Reads the request,
// dispatches it through the handler table and writes Envoy's admin headers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdminRequest } from './handlers.js';
import { NamerCache, TEXT } from './stats-handlers.js';
import type { AdminContext } from './types.js';

/** Largest request body the admin reads (form-encoded /runtime_modify). */
const MAX_BODY = 1 << 20;

/** A running admin server. */
export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'cache-control': 'no-cache, max-age=0',
    'x-content-type-options': 'nosniff',
    server: 'envoy',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function serve(req: IncomingMessage, res: ServerResponse, ctx: AdminContext, namers: NamerCache): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY) tooBig = true;
    else chunks.push(c);
  });
  req.on('error', () => res.destroy());
  req.on('end', () => {
    if (tooBig) {
      reply(res, 413, 'Payload Too Large', TEXT);
      return;
    }
    const answer = (): void => {
      const r = handleAdminRequest({
        method: req.method ?? 'GET', target: req.url ?? '/',
        body: Buffer.concat(chunks).toString('utf8'), contentType: String(req.headers['content-type'] ?? ''),
      }, ctx, namers);
      if (r.after !== undefined) {
        const after = r.after;
        res.once('finish', () => setImmediate(after));
      }
      reply(res, r.status, r.body, r.contentType);
    };
    if (ctx.refresh === undefined) answer();
    else ctx.refresh().then(answer, () => reply(res, 503, 'workers did not answer', TEXT));
  });
}

/** Starts the admin API on `address` (port 0 picks a free port). Rejects if it cannot bind. */
export function startAdminServer(address: { host: string; port: number }, ctx: AdminContext): Promise<AdminServer> {
  const namers = new NamerCache();
  const server = createServer((req, res) => serve(req, res, ctx, namers));
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      // The code stays on the error: the CLI reports a system error (EADDRINUSE ...) in one line, not as a bug.
      reject(Object.assign(new Error(`cannot bind admin address ${address.host}:${address.port}: ${e.code ?? e.message}`), { code: e.code }));
    });
    server.listen(address.port, address.host, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
