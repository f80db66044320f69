// The control plane's monitoring port (Istio's 15014): GET /metrics in Prometheus text format,
// and /version; other paths answer 404. Debug endpoints mount here too (`routes`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PilotMetrics } from './metrics.js';

/** An extra GET handler: path (without query) -> JSON-able value, text, or an HtmlPage. */
export type DebugRoute = (query: URLSearchParams) => Promise<unknown> | unknown;

/** What a route answers as a page (text/html) rather than JSON or text. */
export class HtmlPage {
  constructor(readonly html: string) {}
}

export interface MonitoringServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on host:port (15014 by default, 0 for any) and serves metrics and `routes`. */
export async function startMonitoringServer(metrics: PilotMetrics, opts: {
  host?: string; port?: number; version?: string; routes?: Record<string, DebugRoute>;
} = {}): Promise<MonitoringServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'text/plain', 'method not allowed\n');
    if (url.pathname === '/metrics') {
      void metrics.render().then((text) => reply(200, metrics.registry.contentType, text),
        (e: Error) => reply(500, 'text/plain', `${e.message}\n`));
      return;
    }
    if (url.pathname === '/version') return reply(200, 'text/plain', `${opts.version ?? 'unknown'}\n`);
    const route = opts.routes?.[url.pathname];
    if (route === undefined) return reply(404, 'text/plain', '404 page not found\n');
    void Promise.resolve().then(() => route(url.searchParams)).then(
      (v) => (v instanceof HtmlPage ? reply(200, 'text/html; charset=utf-8', v.html)
        : typeof v === 'string' ? reply(200, 'text/plain', v) : reply(200, 'application/json', `${JSON.stringify(v, null, 2)}\n`)),
      (e: Error) => reply(500, 'text/plain', `${e.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 15014, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
