// Test helper: an upstream on 127.0.0.1:0 that echoes what it received as JSON, with knobs
// in the path (/status/N, /delay/MS, /fail-once/KEY, /count for bodies) for proxy tests.
import http from 'node:http';

/** What the echo upstream answers with. */
export interface Echo {
  method: string;
  url: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
  /** Trailers of a chunked request body (lower-case names). */
  trailers: Record<string, string | undefined>;
  server: string;
}

/** A running echo upstream. */
export interface EchoUpstream {
  port: number;
  /** Requests received, in order. */
  requests: Echo[];
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts an echo upstream named `name` (reported in `server`). */
export async function startEchoUpstream(name = 'echo'): Promise<EchoUpstream> {
  const requests: Echo[] = [];
  const failed = new Set<string>();
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => { bytes += c.length; });
    req.on('end', () => {
      const echo: Echo = { method: req.method ?? '', url: req.url ?? '', httpVersion: req.httpVersion,
        headers: req.headers, bodyBytes: bytes, trailers: { ...req.trailers }, server: name };
      requests.push(echo);
      const url = req.url ?? '/';
      const send = (status: number): void => {
        const body = JSON.stringify(echo);
        res.writeHead(status, { 'content-type': 'application/json', 'x-upstream': name });
        res.end(body);
      };
      let m = /^\/status\/(\d+)/.exec(url);
      if (m) return send(Number(m[1]));
      m = /^\/delay\/(\d+)/.exec(url);
      if (m) {
        const t = setTimeout(() => send(200), Number(m[1]));
        res.on('close', () => clearTimeout(t));
        return;
      }
      m = /^\/fail-once\/([^/?]+)/.exec(url);
      if (m) {
        if (!failed.has(m[1])) {
          failed.add(m[1]);
          return send(503);
        }
        return send(200);
      }
      send(200);
    });
  });
  let connections = 0;
  server.on('connection', () => { connections++; });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    requests,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
