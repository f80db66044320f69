// The floor of any proxy written for Node on this machine: a TCP relay with no HTTP in it (each client
// connection gets its own upstream connection; bytes are copied both ways). `node dist/bench/node-relay-server.js --port N --upstream PORT`.
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
if (values.upstream === undefined) {
  console.error('node-relay-server: --upstream PORT is required');
  process.exit(2);
}
const upstreamPort = Number(values.upstream);

const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
  client.on('data', (d) => upstream.write(d));
  upstream.on('data', (d) => client.write(d));
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(Number(values.port), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`node-relay listening on 127.0.0.1:${typeof addr === 'object' && addr ? addr.port : values.port}`);
});
process.once('SIGTERM', () => process.exit(0));
