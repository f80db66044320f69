// Starting, stopping and running the demo services' HTTP servers (shared by every sample).
// Each sample exports start*({host, port}) for tests and runs itself when executed directly.
import http from 'node:http';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Where a sample listens; port 0 picks a free port. */
export interface ListenOptions {
  host?: string;
  port?: number;
}

/** How a sample is started in-process: where it listens and the environment its container would have. */
export interface SampleOptions extends ListenOptions {
  /** The container's environment (defaults to none: each sample's documented defaults apply). */
  env?: Record<string, string | undefined>;
  /** Where request log lines go (default stdout). */
  log?: (line: string) => void;
}

/** A listening sample server. */
export interface RunningServer {
  host: string;
  port: number;
  /** Stops accepting, drops open keep-alive connections, resolves when closed. */
  close(): Promise<void>;
}

/** Long enough that a proxy's pooled upstream connection is not closed under it mid-reuse. */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;

/** Listens `server` on host/port and returns its address and a close function. */
export function listen(server: http.Server, opts: ListenOptions, onClose?: () => void): Promise<RunningServer> {
  const host = opts.host ?? '0.0.0.0';
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      resolve({
        host,
        port,
        close: () => new Promise<void>((done) => {
          onClose?.();
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

/** Reads HOST and PORT from the environment, as the book's containers are configured. */
export function listenOptionsFromEnv(env: NodeJS.ProcessEnv, defaultPort: number): ListenOptions {
  const raw = env.PORT;
  const port = raw === undefined || raw === '' ? defaultPort : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT: must be an integer 0..65535, got "${raw}"`);
  }
  return { host: env.HOST || '0.0.0.0', port };
}

/** Reads LISTEN_ADDR ("host:port", fake-service's convention) from the environment. */
export function listenOptionsFromListenAddr(env: NodeJS.ProcessEnv, defaultAddr: string): ListenOptions {
  const raw = env.LISTEN_ADDR || defaultAddr;
  const m = /^(.*):(\d+)$/.exec(raw);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) throw new Error(`LISTEN_ADDR: must be host:port, got "${raw}"`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Whether the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}

/** Runs a sample as a process: starts it from the environment, stops on SIGINT/SIGTERM. */
export async function runSample(name: string, defaultPort: number,
  start: (opts: ListenOptions) => Promise<RunningServer>,
  where: (env: NodeJS.ProcessEnv) => ListenOptions = (env) => listenOptionsFromEnv(env, defaultPort)): Promise<void> {
  let opts: ListenOptions;
  try {
    opts = where(process.env);
  } catch (err) {
    console.error(`${name}: ${(err as Error).message}`);
    process.exitCode = 2;
    return;
  }
  let running: RunningServer;
  try {
    running = await start(opts);
  } catch (err) {
    console.error(`${name}: cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`);
    process.exitCode = 1;
    return;
  }
  console.log(`${name} listening on ${running.host}:${running.port}`);
  const stop = (): void => { void running.close().then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
