// A tiny explicit HTTP proxy for the samples' tests: takes absolute-form requests, records them,
// and forwards each to the address its host maps to (the stand-in for a sidecar's outbound listener).
import http from 'node:http';
import { listen, type RunningServer } from './http-server.js';

/** One request the proxy received. */
export interface ProxiedRequest {
  /** The request target as sent: absolute form for a proxy client. */
  url: string;
  host: string | undefined;
  headers: http.IncomingHttpHeaders;
}

/** A running test proxy and what it saw. */
export interface TestProxy extends RunningServer {
  seen: ProxiedRequest[];
}

/** Starts the proxy; `routes` maps the authority of absolute URLs ("host:port" as written, or host) to a local port. */
export async function startTestProxy(routes: Record<string, number>): Promise<TestProxy> {
  const seen: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host, headers: req.headers });
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('not an absolute-form request');
      return;
    }
    const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(req.url ?? '')?.[1] ?? target.host;
    const port = routes[authority] ?? routes[target.host];
    if (port === undefined) {
      res.writeHead(503).end('no route');
      return;
    }
    const up = http.request({ host: '127.0.0.1', port, method: req.method, path: `${target.pathname}${target.search}`,
      headers: req.headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { if (!res.headersSent) res.writeHead(503).end('upstream connect error'); });
    req.pipe(up);
  });
  const running = await listen(server, { host: '127.0.0.1', port: 0 });
  return { ...running, seen };
}
