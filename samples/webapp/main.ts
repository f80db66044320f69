// webapp (image istioinaction/webapp) as a local sample service, calling catalog and forum.
// Run: PORT=8080 CATALOG_SERVICE_HOST=... node dist/samples/webapp/main.js; tests use startWebapp().
import http from 'node:http';
import { isMainModule, listen, runSample, type RunningServer, type SampleOptions } from '../lib/http-server.js';
import { consoleLog } from '../lib/http-util.js';
import { WebappApp } from './app.js';

/** The webapp container's port (its Service maps 80 to it). */
export const WEBAPP_DEFAULT_PORT = 8080;

/** Starts a webapp; its upstreams and proxy come from opts.env. */
export function startWebapp(opts: SampleOptions = {}): Promise<RunningServer> {
  const app = new WebappApp(opts.env ?? {}, opts.log ?? consoleLog);
  const server = http.createServer((req, res) => app.handle(req, res));
  return listen(server, { host: opts.host ?? '0.0.0.0', port: opts.port ?? WEBAPP_DEFAULT_PORT });
}

if (isMainModule(import.meta.url)) {
  void runSample('webapp', WEBAPP_DEFAULT_PORT, (o) => startWebapp({ ...o, env: process.env }));
}
