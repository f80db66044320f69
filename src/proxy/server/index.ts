// startProxy: runs one proxy process (clusters, listeners, admin) until SIGTERM/SIGINT or
// POST /quitquitquit, as `envoy -c` does.
import { writeFileSync } from 'node:fs';
import { startAdminServer, type AdminServer } from '../admin/index.js';
import { defaultAccessLogManager } from '../accesslog/index.js';
import { log, setAllLogLevels } from '../log.js';
import type { ProxyOptions } from './options.js';
import { ProxyServer } from './server.js';
import { ServerAdminContext } from './admin-context.js';

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
  let admin: AdminServer | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await server.stop();
      await admin?.close();
      await defaultAccessLogManager.close();
    })();
    return stopping;
  };
  await server.start();
  const a = options.bootstrap.admin?.address?.address;
  if (a?.case === 'socketAddress') {
    const port = a.value.portSpecifier.case === 'portValue' ? a.value.portSpecifier.value : 0;
    const ctx = new ServerAdminContext(server, () => {
      void stop().then(() => process.exit(0));
    });
    admin = await startAdminServer({ host: a.value.address, port }, ctx);
    log('admin', 'info', `admin address: ${a.value.address}:${admin.port}`);
    if (options.adminAddressPath !== undefined) {
      const host = a.value.address.includes(':') ? `[${a.value.address}]` : a.value.address;
      writeFileSync(options.adminAddressPath, `${host}:${admin.port}\n`);
    }
  }
  return { server, admin, stop };
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
