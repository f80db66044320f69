// `kubectl port-forward` for the local mesh: a TCP listener (the book's 127.0.0.1:8080) whose
// connections are piped to a pod's address and port.
import net from 'node:net';

export interface PortForward {
  port: number;
  close(): Promise<void>;
}

export function portForward(listenHost: string, listenPort: number, target: { host: string; port: number }): Promise<PortForward> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const done = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
      });
    });
  });
}
