// Tests of publishGatewayPorts: a target port is published at its own number when free, on another when
// that is taken (and `strait up`'s line says where), at a picked one for httpPort 0; bytes reach the target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { describePublishedPorts, publishGatewayPorts } from './gateway-ports.js';
import type { Manifest } from './workloads.js';

const listen = (port = 0): Promise<net.Server> => new Promise((resolve, reject) => {
  const s = net.createServer((c) => c.pipe(c)).once('error', reject);
  s.listen(port, '127.0.0.1', () => resolve(s));
});
const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;
const close = (s: net.Server): Promise<void> => new Promise((r) => s.close(() => r()));

const serviceWith = (targetPort: number): Manifest => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'gw', namespace: 'istio-system' },
  spec: { ports: [{ name: 'tcp', port: targetPort, targetPort }] },
});

/** A port number free right now (bound then released). */
async function freePort(): Promise<number> {
  const s = await listen();
  const p = portOf(s);
  await close(s);
  return p;
}

/** Sends "ping" through 127.0.0.1:port and resolves with the first answer. */
const echoes = (port: number): Promise<string> => new Promise((resolve, reject) => {
  const c = net.connect(port, '127.0.0.1', () => c.write('ping'));
  c.once('data', (d) => { c.destroy(); resolve(String(d)); }).on('error', reject);
});

test('a target port is published at its own number when it is free, elsewhere when it is taken', async (t) => {
  const wanted = await freePort();
  const target = await listen(); // the "pod": an echo server on another port of 127.0.0.1
  const opened: { close(): Promise<void> }[] = [];
  t.after(async () => { for (const f of opened) await f.close(); await close(target); });
  const service = serviceWith(wanted);
  // The pod's address is the target host; the target port is the Service's: point it at the echo server.
  const echoService: Manifest = { ...service, spec: { ports: [{ name: 'tcp', port: wanted, targetPort: portOf(target) }] } };
  const free = await publishGatewayPorts(serviceWith(wanted), '127.0.0.1', '127.0.0.1', 8080);
  opened.push(...free.forwards);
  assert.deepEqual(free.published, [{ name: 'tcp', targetPort: wanted, address: `127.0.0.1:${wanted}` }]);
  assert.equal(describePublishedPorts(free.published), `${wanted} (tcp)`);
  // Now `wanted` is held (by the first forward): the next one moves and says where.
  const moved = await publishGatewayPorts(serviceWith(wanted), '127.0.0.1', '127.0.0.1', 8080);
  opened.push(...moved.forwards);
  const at = moved.published[0]!.address;
  assert.notEqual(at, `127.0.0.1:${wanted}`);
  assert.equal(describePublishedPorts(moved.published), `${wanted} (tcp) on ${at}`);
  // httpPort 0 picks every port; bytes go through to the target.
  const picked = await publishGatewayPorts(echoService, '127.0.0.1', '127.0.0.1', 0);
  opened.push(...picked.forwards);
  assert.equal(await echoes(picked.forwards[0]!.port), 'ping');
});

test('the HTTP port 8080 is published at httpPort, and a held httpPort is an error (the caller names it)', async () => {
  const held = await listen();
  const service = serviceWith(8080);
  await assert.rejects(publishGatewayPorts(service, '127.0.0.1', '127.0.0.1', portOf(held)), { code: 'EADDRINUSE' });
  await close(held);
});
