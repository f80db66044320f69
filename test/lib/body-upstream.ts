// Test helper: an upstream on 127.0.0.1:0 that records each request with its full body and
// answers 200 with its name; with `slowMs` > 0, paths containing /slow are answered only after it.
import http from 'node:http';
import { createHash } from 'node:crypto';

/** One request as received. */
export interface Recorded {
  method: string;
  url: string;
  host: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
  bodySha256: string;
  body: string;
}

/** A running recording upstream. */
export interface BodyUpstream {
  port: number;
  readonly requests: Recorded[];
  /** Resolves when `n` requests have arrived; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a recording upstream named `name` (the `x-upstream` response header and body). */
export async function startBodyUpstream(name: string, slowMs = 0): Promise<BodyUpstream> {
  const requests: Recorded[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', headers: req.headers,
        bodyBytes: body.length, bodySha256: createHash('sha256').update(body).digest('hex'),
        body: body.length <= 4096 ? body.toString('utf8') : '',
      });
      for (const w of waiters.filter((x) => requests.length >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name });
        res.end(`hello from ${name}`);
      };
      if (slowMs > 0 && (req.url ?? '').includes('/slow')) {
        const t = setTimeout(answer, slowMs);
        res.on('close', () => clearTimeout(t));
      } else {
        answer();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    requests,
    waitFor(n: number, timeoutMs = 5000): Promise<void> {
      if (requests.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const w = { n, resolve: () => { clearTimeout(t); resolve(); } };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`${name}: ${requests.length} of ${n} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
