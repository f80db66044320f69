// tcp-echo (image cjimti/go-echo) as a sample: on connect a banner from NODE_NAME, POD_NAME,
// POD_NAMESPACE, POD_IP, SERVICE_ACCOUNT (lines for set ones only), then echoes what it gets.
import net from 'node:net';
import { isMainModule, runSample, type ListenOptions, type RunningServer, type SampleOptions } from '../lib/http-server.js';

/** go-echo's TCP_PORT (the book's ch4 echo.yaml sets 2701). */
export const TCP_ECHO_DEFAULT_PORT = 2701;

/** The banner go-echo writes first. */
export function tcpEchoBanner(env: Record<string, string | undefined>): string {
  const lines: [string, string][] = [
    ['NODE_NAME', 'Welcome, you are connected to node %s.'], ['POD_NAME', 'Running on Pod %s.'],
    ['POD_NAMESPACE', 'In namespace %s.'], ['POD_IP', 'With IP address %s.'], ['SERVICE_ACCOUNT', 'Service %s.'],
  ];
  return lines.filter(([k]) => env[k]).map(([k, f]) => `${f.replace('%s', env[k]!)}\n`).join('');
}

/** Starts a tcp-echo server; port 0 picks a free port. */
export function startTcpEcho(opts: SampleOptions = {}): Promise<RunningServer> {
  const banner = tcpEchoBanner(opts.env ?? {});
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (banner !== '') socket.write(banner);
    socket.pipe(socket);
  });
  const host = opts.host ?? '0.0.0.0';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? TCP_ECHO_DEFAULT_PORT, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve({
        host, port: typeof addr === 'object' && addr !== null ? addr.port : 0,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          for (const s of sockets) s.destroy();
        }),
      });
    });
  });
}

/** TCP_PORT from the environment (go-echo's variable), else 2701. */
function fromEnv(env: NodeJS.ProcessEnv): ListenOptions {
  const port = Number(env.TCP_PORT || TCP_ECHO_DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`TCP_PORT: must be a port, got "${env.TCP_PORT}"`);
  return { host: env.HOST || '0.0.0.0', port };
}

if (isMainModule(import.meta.url)) {
  void runSample('tcp-echo', TCP_ECHO_DEFAULT_PORT, (o) => startTcpEcho({ ...o, env: process.env }), fromEnv);
}
