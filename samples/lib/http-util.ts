// Small request/response helpers the demo services share: reading a body, JSON and text answers.
// Kept apart from http-server.ts, which only starts and stops servers.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body a sample reads. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the whole request body (at most 1 MiB; more is an error). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) { reject(new Error('request body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The body parsed as JSON, or undefined when empty or not JSON. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes a complete answer with Content-Length. */
export function send(res: ServerResponse, status: number, contentType: string | undefined, body: string | Buffer): void {
  if (res.headersSent || res.destroyed) return;
  if (contentType !== undefined) res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.writeHead(status);
  res.end(body);
}

/** Writes `value` as a JSON answer. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** Writes a plain-text answer. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', text);
}

/** Where a sample's log lines go; tests pass their own to read them. */
export type LogSink = (line: string) => void;

/** The default sink: one line to stdout. */
export const consoleLog: LogSink = (line) => console.log(line);
