// ActiveListener's sockets: additional_addresses are bound as more sockets of the same listener
// (destination_port chains match the accepting socket's port); bind_to_port: false binds nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../xds/gen/envoy/config/listener/v3/listener_pb.js';
import { registry } from '../../xds/registry.js';
import { StatsStore } from '../stats/store.js';
import type { ClusterManager } from '../upstream/types.js';
import { ActiveListener } from './listener.js';

const noClusters: ClusterManager = {
  get: () => undefined, clusters: () => [], addOrUpdateCluster: () => Promise.resolve(false), removeCluster: () => false,
};

const direct = (body: string): unknown => ({ name: 'envoy.filters.network.http_connection_manager', typed_config: {
  '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  stat_prefix: body,
  route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: body } } }] }] },
  http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
} });

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function listener(json: Record<string, unknown>): ActiveListener {
  return new ActiveListener(fromJson(ListenerSchema, json as JsonValue, { registry }), { clusterManager: noClusters, stats: new StatsStore() }, '');
}

test('additional_addresses: each is bound, and destination_port picks the chain by the accepting port', async (t) => {
  const [a, b] = [await freePort(), await freePort()];
  const l = listener({
    name: 'multi', address: { socket_address: { address: '127.0.0.1', port_value: a } },
    additional_addresses: [{ address: { socket_address: { address: '127.0.0.1', port_value: b } } }],
    filter_chains: [{ filter_chain_match: { destination_port: a }, filters: [direct('main')] },
      { filter_chain_match: { destination_port: b }, filters: [direct('extra')] }],
  });
  await l.start();
  t.after(() => l.close());
  assert.equal(await (await fetch(`http://127.0.0.1:${a}/`)).text(), 'main');
  assert.equal(await (await fetch(`http://127.0.0.1:${b}/`)).text(), 'extra');
  l.stopListening();
  await assert.rejects(fetch(`http://127.0.0.1:${b}/`), 'stopping closes the additional sockets too');
});

test('bind_to_port: false: the listener loads but owns no socket', async (t) => {
  const port = await freePort();
  const l = listener({ name: 'unbound', address: { socket_address: { address: '127.0.0.1', port_value: port } }, bind_to_port: false,
    filter_chains: [{ filters: [direct('x')] }] });
  await l.start();
  t.after(() => l.close());
  assert.equal(l.listening, false);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
});
