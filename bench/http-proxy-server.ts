// The `http-proxy` npm package as a benchmark target, run as its own process so its CPU and
// memory are measured apart: `node dist/bench/http-proxy-server.js --port N --target URL`.
import http from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

/** The part of http-proxy's API used here (the package ships no types). */
interface ProxyServer {
  web(req: http.IncomingMessage, res: http.ServerResponse): void;
  on(event: 'error', listener: (err: Error, req: http.IncomingMessage, res: http.ServerResponse) => void): void;
}
interface HttpProxyModule {
  createProxyServer(options: { target: string; agent: http.Agent }): ProxyServer;
}

const require = createRequire(import.meta.url);
const httpProxy = require('http-proxy') as HttpProxyModule;

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, target: { type: 'string' } } });
if (values.target === undefined) {
  console.error('http-proxy-server: --target http://host:port is required');
  process.exit(2);
}

// Keep-alive to the upstream, as the other proxies under test have.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const proxy = httpProxy.createProxyServer({ target: values.target, agent });
proxy.on('error', (err, _req, res) => {
  if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
  res.end(`upstream error: ${err.message}\n`);
});

const server = http.createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`http-proxy listening on 127.0.0.1:${typeof addr === 'object' && addr ? addr.port : values.port}`);
});
process.once('SIGTERM', () => process.exit(0));
