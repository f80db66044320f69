// httpbin (images citizenstig/httpbin, kennethreitz/httpbin) as a local sample service.
// Run: PORT=8000 HOST=0.0.0.0 node dist/samples/httpbin/main.js; tests use startHttpbin().
import http from 'node:http';
import { isMainModule, listen, runSample, type ListenOptions, type RunningServer } from '../lib/http-server.js';
import { HttpbinApp } from './app.js';

/** citizenstig/httpbin's port (the book's ch3 Envoy config points at httpbin:8000). */
export const HTTPBIN_DEFAULT_PORT = 8000;

/** Starts an httpbin server; port 0 picks a free port (see the returned port). */
export function startHttpbin(opts: ListenOptions = {}): Promise<RunningServer> {
  const app = new HttpbinApp();
  const server = http.createServer((req, res) => app.handle(req, res));
  return listen(server, { host: opts.host ?? '0.0.0.0', port: opts.port ?? HTTPBIN_DEFAULT_PORT }, () => app.close());
}

if (isMainModule(import.meta.url)) {
  void runSample('httpbin', HTTPBIN_DEFAULT_PORT, startHttpbin);
}
