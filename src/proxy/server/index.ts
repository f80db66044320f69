// startProxy: runs one proxy process (clusters, listeners, admin) until SIGTERM/SIGINT or
// POST /quitquitquit, as `envoy -c` does.
import { writeFileSync } from 'node:fs';
import { startAdminServer, type AdminServer } from '../admin/index.js';
import { defaultAccessLogManager } from '../accesslog/index.js';
import { log, setAllLogLevels } from '../log.js';
import type { ProxyOptions } from './options.js';
import { ProxyServer } from './server.js';
import { ServerAdminContext } from './admin-context.js';
import { isWorker, serveReports, WorkerPool } from './workers.js';

/** A proxy started in this process. */
export interface RunningProxyServer {
  server: ProxyServer;
  admin: AdminServer | null;
  /** Stops listeners, admin and clusters, and flushes access logs. */
  stop(): Promise<void>;
}

/** Starts the server and its admin; resolves once everything listens. */
export async function startProxyServer(options: ProxyOptions): Promise<RunningProxyServer> {
  setAllLogLevels(options.logLevel);
  const server = new ProxyServer(options);
  const worker = isWorker();
  const workers = !worker && options.concurrency > 1 ? new WorkerPool(server, options.concurrency) : null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await workers?.stop();
      await server.stop();
      await defaultAccessLogManager.close();
    })();
    return stopping;
  };
  if (worker) {
    // A worker of --concurrency N: serve the listeners, report to the primary, no admin.
    await server.start();
    serveReports(server);
    return { server, admin: null, stop };
  }
  await server.start(workers === null);
  await workers?.ready();
  return startAdmin(options, server, workers, stop);
}

async function startAdmin(options: ProxyOptions, server: ProxyServer, workers: WorkerPool | null,
  stop: () => Promise<void>): Promise<RunningProxyServer> {
  let admin: AdminServer | null = null;
  const a = options.bootstrap.admin?.address?.address;
  if (a?.case === 'socketAddress') {
    const port = a.value.portSpecifier.case === 'portValue' ? a.value.portSpecifier.value : 0;
    const ctx = new ServerAdminContext(server, () => {
      void stop().then(() => process.exit(0));
    }, workers);
    admin = await startAdminServer({ host: a.value.address, port }, ctx);
    log('admin', 'info', `admin address: ${a.value.address}:${admin.port}`);
    if (options.adminAddressPath !== undefined) {
      const host = a.value.address.includes(':') ? `[${a.value.address}]` : a.value.address;
      writeFileSync(options.adminAddressPath, `${host}:${admin.port}\n`);
    }
  }
  const adminServer = admin;
  return { server, admin, stop: () => stop().then(() => adminServer?.close()) };
}

/** `strait proxy`: starts, then exits cleanly on SIGTERM/SIGINT. */
export async function startProxy(options: ProxyOptions): Promise<void> {
  const running = await startProxyServer(options);
  const onSignal = (sig: string): void => {
    log('main', 'warning', `caught ${sig}`);
    void running.stop().then(() => {
      log('main', 'info', 'exiting');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}
