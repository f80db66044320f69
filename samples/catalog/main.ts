// catalog (image istioinaction/catalog) as a local sample service: items v1, or v2 with SHOW_IMAGE.
// Run: PORT=3000 SHOW_IMAGE=true node dist/samples/catalog/main.js; tests use startCatalog().
import http from 'node:http';
import { isMainModule, listen, runSample, type RunningServer, type SampleOptions } from '../lib/http-server.js';
import { consoleLog } from '../lib/http-util.js';
import { CatalogApp } from './app.js';

/** The catalog container's port (its Service maps 80 to it). */
export const CATALOG_DEFAULT_PORT = 3000;

/** Whether SHOW_IMAGE turns catalog v2's imageUrl on (any non-empty value but "false"). */
export function showImage(env: Record<string, string | undefined>): boolean {
  const v = env.SHOW_IMAGE;
  return v !== undefined && v !== '' && v.toLowerCase() !== 'false';
}

/** Starts a catalog; port 0 picks a free port. */
export function startCatalog(opts: SampleOptions = {}): Promise<RunningServer> {
  const app = new CatalogApp(showImage(opts.env ?? {}), opts.log ?? consoleLog);
  const server = http.createServer((req, res) => app.handle(req, res));
  return listen(server, { host: opts.host ?? '0.0.0.0', port: opts.port ?? CATALOG_DEFAULT_PORT }, () => app.close());
}

if (isMainModule(import.meta.url)) {
  void runSample('catalog', CATALOG_DEFAULT_PORT, (o) => startCatalog({ ...o, env: process.env }));
}
