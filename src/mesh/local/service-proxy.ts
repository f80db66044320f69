// The local mesh's stand-in for cluster DNS + kube-proxy, for pods without a sidecar: an HTTP proxy (their HTTP_PROXY)
// that resolves a request's Service host to one endpoint and relays the bytes over plain TCP to the pod's address.
import net from 'node:net';

/** Where a Service's port is served: the endpoint pod's address and the target port. */
export interface Endpoint { host: string; port: number }

/**
 * A host (`webapp`, `webapp.istioinaction`, `...svc.cluster.local`) and port as asked by a client in `namespace`:
 * undefined when no Service has that name (DNS would not resolve it), else its endpoints (none: nothing serves the port).
 */
export type ResolveService = (namespace: string, host: string, port: number) => Endpoint[] | undefined;

export interface ServiceProxyOptions {
  /** Where it listens (port 0 picks one). */
  host: string;
  port?: number;
  /** The namespace of its clients: short names resolve there, as the pod's DNS search path does. */
  namespace: string;
  resolve: ResolveService;
  /** The most bytes a request's head may have (default 16 KiB). */
  maxHeaderBytes?: number;
  /** How long a client may take to send its request head, and an upstream to accept (default 10 s). */
  headerTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** How long a relayed connection may stay silent both ways (default 5 min). */
  idleTimeoutMs?: number;
}

export interface ServiceProxy {
  /** host:port it listens on. */
  address: string;
  close(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');
/** Hop-by-hop headers meant for the proxy, not the upstream. */
const PROXY_HEADERS = /^(proxy-connection|proxy-authorization|connection|keep-alive):/i;

/** A short answer from the proxy itself, then the connection closes. */
function reply(socket: net.Socket, status: string, body: string): void {
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body) + 1}\r\nconnection: close\r\n\r\n${body}\n`);
}

/** host[:port] of an absolute-form target or a CONNECT authority; undefined when it is neither. */
function targetOf(method: string, target: string): { host: string; port: number; path: string } | undefined {
  if (method === 'CONNECT') {
    const m = /^([^:/\s]+):(\d{1,5})$/.exec(target);
    return m ? { host: m[1]!, port: Number(m[2]), path: '' } : undefined;
  }
  let url: URL;
  try { url = new URL(target); } catch { return undefined; }
  if (url.protocol !== 'http:' || !url.hostname) return undefined;
  return { host: url.hostname, port: url.port ? Number(url.port) : 80, path: `${url.pathname}${url.search}` };
}

/** Starts the proxy for the clients of one namespace. */
export function startServiceProxy(o: ServiceProxyOptions): Promise<ServiceProxy> {
  const maxHead = o.maxHeaderBytes ?? 16 * 1024;
  const server = net.createServer((client) => {
    let head = Buffer.alloc(0);
    client.setTimeout(o.headerTimeoutMs ?? 10_000, () => client.destroy());
    client.on('error', () => client.destroy());
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end < 0) {
        if (head.length > maxHead) { client.off('data', onData); reply(client, '431 Request Header Fields Too Large', 'service proxy: request header too large'); }
        return;
      }
      client.off('data', onData);
      client.pause();
      if (end + HEAD_END.length > maxHead) return reply(client, '431 Request Header Fields Too Large', 'service proxy: request header too large');
      forward(client, head.subarray(0, end).toString('latin1').split('\r\n'), head.subarray(end + HEAD_END.length));
    };
    client.on('data', onData);
  });
  server.maxConnections = 1024;

  const forward = (client: net.Socket, lines: string[], rest: Buffer): void => {
    const [method = '', target = '', version = ''] = lines[0]!.split(' ');
    const to = /^HTTP\/1\.[01]$/.test(version) ? targetOf(method, target) : undefined;
    if (!to) return reply(client, '400 Bad Request', 'service proxy: expected an absolute http:// URL or CONNECT host:port');
    const endpoints = o.resolve(o.namespace, to.host.toLowerCase().replace(/\.$/, ''), to.port);
    // What curl shows for a name DNS does not know is not possible through a proxy; as HTTP proxies do, a 502 naming it.
    if (endpoints === undefined) return reply(client, '502 Bad Gateway', `service proxy: could not resolve host: ${to.host}`);
    const ep = endpoints[Math.floor(Math.random() * endpoints.length)];
    // No endpoint: as kube-proxy's REJECT rule, the connection is refused (the client's is reset).
    if (!ep) return void client.resetAndDestroy();
    const upstream = net.connect({ host: ep.host, port: ep.port });
    upstream.setTimeout(o.connectTimeoutMs ?? 10_000, () => upstream.destroy(new Error('connect timeout')));
    upstream.once('connect', () => {
      const idle = o.idleTimeoutMs ?? 300_000;
      upstream.setTimeout(idle, () => { upstream.destroy(); client.destroy(); });
      client.setTimeout(idle, () => { upstream.destroy(); client.destroy(); });
      if (method === 'CONNECT') client.write(`${version} 200 Connection established\r\n\r\n`);
      else {
        // One request per connection: the client may send its next one to another host through the same proxy connection.
        const headers = lines.slice(1).filter((l) => !PROXY_HEADERS.test(l));
        upstream.write(`${method} ${to.path} ${version}\r\n${[...headers, 'connection: close'].join('\r\n')}\r\n\r\n`, 'latin1');
      }
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    // A refused or reset upstream resets the client (curl: "Connection reset by peer"), as the pod's RST reaches it.
    upstream.on('error', () => { if (!client.destroyed) client.resetAndDestroy(); });
    client.on('error', () => { if (!upstream.destroyed) upstream.resetAndDestroy(); });
    client.on('close', () => { if (!upstream.destroyed) upstream.destroy(); });
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host, () => {
      const { address, port } = server.address() as net.AddressInfo;
      resolve({
        address: `${address}:${port}`,
        close: () => new Promise<void>((r) => { server.close(() => r()); for (const s of sockets) s.destroy(); }),
      });
    });
    const sockets = new Set<net.Socket>();
    server.on('connection', (s) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  });
}
