// One access-log line per request, in the catalog's morgan format
// ":method :host :url :status :res[content-length] - :response-time ms".
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Logs `req` once its answer is finished (or the connection dropped, status then "-"). */
export function logRequest(req: IncomingMessage, res: ServerResponse, log: (line: string) => void): void {
  const start = process.hrtime.bigint();
  let done = false;
  const write = (): void => {
    if (done) return;
    done = true;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const status = res.headersSent ? String(res.statusCode) : '-';
    const length = res.getHeader('content-length');
    log(`${req.method ?? '-'} ${req.headers.host ?? '-'} ${req.url ?? '-'} ${status} ${length ?? '-'} - ${ms.toFixed(3)} ms`);
  };
  res.once('finish', write);
  res.once('close', write);
}
