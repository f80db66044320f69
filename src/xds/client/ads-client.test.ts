// The ADS clients (SotW and delta) against Strait's xDS server in this process: ACK, NACK with
// error_detail, name changes, resubscribing with the last versions, stream metadata and node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { AggregatedDiscoveryService } from '../gen/envoy/service/discovery/v3/ads_pb.js';
import type { DiscoveryRequest } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { grpcServiceDefinition } from '../server/grpc-service.js';
import { NodeSchema } from '../gen/envoy/config/core/v3/base_pb.js';
import { ListenerSchema, type Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../gen/envoy/config/route/v3/route_pb.js';
import { LISTENER_TYPE, ROUTE_TYPE, snapshotOf, startXdsServer, type TypeStatus, type XdsServer } from '../server/index.js';
import { AdsClient } from './ads-client.js';
import { JitteredBackoff } from './backoff.js';
import { DeltaAdsClient } from './delta-client.js';
import { clientNode } from './node-info.js';
import type { DecodedResource } from './types.js';

const NODE_ID = 'client-test';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function status(xds: XdsServer, typeUrl: string): TypeStatus | undefined {
  return xds.status().find((s) => s.nodeId === NODE_ID)?.types.find((t) => t.typeUrl === typeUrl);
}

const lis = (name: string, port = 1): Listener => create(ListenerSchema, { name, address: { address: {
  case: 'socketAddress', value: { address: '127.0.0.1', portSpecifier: { case: 'portValue', value: port } } } } });
const route = (name: string): ReturnType<typeof create<typeof RouteConfigurationSchema>> =>
  create(RouteConfigurationSchema, { name });

const node = clientNode(create(NodeSchema, { id: 'from-bootstrap', cluster: 'c' }),
  { serviceNode: NODE_ID, serviceCluster: 'flag-cluster', version: '1.2.3' });

test('node: --service-node/--service-cluster override, user agent and build version as Envoy', () => {
  assert.equal(node.id, NODE_ID);
  assert.equal(node.cluster, 'flag-cluster');
  assert.equal(node.userAgentName, 'envoy');
  assert.equal(node.userAgentVersionType.case, 'userAgentBuildVersion');
  const v = node.userAgentVersionType.case === 'userAgentBuildVersion' ? node.userAgentVersionType.value.version : undefined;
  assert.deepEqual([v?.majorNumber, v?.minorNumber, v?.patch], [1, 2, 3]);
});

test('back-off: jittered below a doubling ceiling, capped, reset', () => {
  const b = new JitteredBackoff(500, 30_000, () => 0.999999);
  const waits = Array.from({ length: 10 }, () => b.next());
  assert.deepEqual(waits.map((w) => Math.round(w / 100) * 100), [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  b.reset();
  assert.ok(b.next() < 500);
  const low = new JitteredBackoff(500, 30_000, () => 0);
  assert.equal(low.next(), 0);
});

test('SotW client: ACK, NACK with error_detail, names, resubscribe with last versions', { timeout: 30_000 }, async (t) => {
  let xds = await startXdsServer({ port: 0 });
  const port = xds.port;
  const client = new AdsClient({ target: `127.0.0.1:${port}`, node, backoff: new JitteredBackoff(50, 200) });
  t.after(async () => {
    client.close();
    await xds.close();
  });
  const seen: Record<string, string[]> = {};
  const record = (type: string) => (res: readonly DecodedResource[], v: string): null => {
    seen[type] = [v, ...res.map((r) => r.name)];
    return null;
  };
  client.watch(LISTENER_TYPE, true, { apply: record('lds') });
  let rejectVersion = '2';
  client.watch(ROUTE_TYPE, false, { apply: (res, v) => (v === rejectVersion ? `route table ${res[0]?.name} is bad` : record('rds')(res, v)) });
  xds.cache.setSnapshot(NODE_ID, snapshotOf('1', [lis('x'), lis('y', 2), route('r1'), route('r2')]));
  client.start();
  await waitFor('LDS v1', () => (seen['lds']?.[0] === '1' ? true : undefined));
  assert.deepEqual(seen['lds'], ['1', 'x', 'y']);
  await waitFor('ACK of LDS v1', () => (status(xds, LISTENER_TYPE)?.state === 'SYNCED' ? true : undefined));
  assert.equal(status(xds, ROUTE_TYPE), undefined, 'no RDS request before there are names');
  assert.equal(client.isConnected, true);

  client.setNames(ROUTE_TYPE, ['r1']);
  await waitFor('RDS r1', () => (seen['rds']?.[1] === 'r1' ? true : undefined));
  // The client applies r1 before its ACK reaches the server: wait for the server to see the ACK.
  await waitFor('ACK of RDS v1', () => (status(xds, ROUTE_TYPE)?.ackedVersion === '1' ? true : undefined));
  assert.deepEqual(status(xds, ROUTE_TYPE)?.subscribed, ['r1']);

  // v2: LDS accepted, RDS rejected; the NACK carries the last good version and the message.
  xds.cache.setSnapshot(NODE_ID, snapshotOf('2', [lis('x'), route('r1')]));
  const nack = await waitFor('NACK of RDS v2', () => status(xds, ROUTE_TYPE)?.lastNack);
  assert.equal(nack.version, '2');
  assert.equal(nack.clientVersion, '1');
  assert.equal(nack.code, 13);
  assert.equal(nack.message, 'route table r1 is bad');
  await waitFor('LDS v2', () => (seen['lds']?.[0] === '2' ? true : undefined));
  assert.deepEqual(client.versions(), { [LISTENER_TYPE]: '2', [ROUTE_TYPE]: '1' });

  // The server restarts with the same snapshot: LDS v2 is not sent again (the client said it has
  // it); RDS is (the client only has v1), and is rejected again.
  await xds.close();
  await waitFor('disconnected', () => (client.isConnected ? undefined : true));
  xds = await startXdsServer({ port });
  const xds2 = xds;
  xds2.cache.setSnapshot(NODE_ID, snapshotOf('2', [lis('x'), route('r1')]));
  const again = await waitFor('NACK of RDS v2 on the new server', () => status(xds2, ROUTE_TYPE)?.lastNack, 10_000);
  assert.equal(again.clientVersion, '1');
  const lds = status(xds2, LISTENER_TYPE);
  assert.equal(lds?.ackedVersion, '2');
  assert.equal(lds?.sentNonce, undefined, 'LDS v2 was not resent');
  rejectVersion = 'never';
  xds2.cache.setSnapshot(NODE_ID, snapshotOf('3', [lis('z'), route('r1')]));
  await waitFor('RDS v3', () => (seen['rds']?.[0] === '3' ? true : undefined));
  await waitFor('LDS v3', () => (seen['lds']?.[0] === '3' ? true : undefined));
  assert.deepEqual(seen['lds'], ['3', 'z']);
});

test('delta client: whole state to the handler, removals, initial_resource_versions on reconnect', { timeout: 30_000 }, async (t) => {
  let xds = await startXdsServer({ port: 0 });
  const port = xds.port;
  const client = new DeltaAdsClient({ target: `127.0.0.1:${port}`, node, backoff: new JitteredBackoff(50, 200) });
  t.after(async () => {
    client.close();
    await xds.close();
  });
  const calls: string[][] = [];
  client.watch(LISTENER_TYPE, true, { apply: (res, v) => {
    calls.push([v, ...res.map((r) => r.name).sort()]);
    return v === 'bad' ? 'no' : null;
  } });
  xds.cache.setSnapshot(NODE_ID, snapshotOf('1', [lis('x'), lis('y', 2)]));
  client.start();
  await waitFor('LDS v1', () => (calls.at(-1)?.[0] === '1' ? true : undefined));
  assert.deepEqual(calls.at(-1), ['1', 'x', 'y']);
  xds.cache.setSnapshot(NODE_ID, snapshotOf('2', [lis('x')]));
  await waitFor('LDS v2', () => (calls.at(-1)?.[0] === '2' ? true : undefined));
  assert.deepEqual(calls.at(-1), ['2', 'x'], 'y removed');
  assert.equal(xds.status().find((s) => s.nodeId === NODE_ID)?.variant, 'delta');

  // A rejected delta is not kept: the next one applies on top of v2's state.
  xds.cache.setSnapshot(NODE_ID, snapshotOf('bad', [lis('x'), lis('w', 3)]));
  await waitFor('NACK', () => status(xds, LISTENER_TYPE)?.lastNack);
  assert.equal(status(xds, LISTENER_TYPE)?.lastNack?.message, 'no');

  await xds.close();
  await waitFor('disconnected', () => (client.isConnected ? undefined : true));
  xds = await startXdsServer({ port });
  const xds2 = xds;
  const before = calls.length;
  xds2.cache.setSnapshot(NODE_ID, snapshotOf('4', []));
  await waitFor('first answer on the new stream', () => (calls.length > before ? true : undefined), 10_000);
  // The new server knows the client holds x only from initial_resource_versions; it answers with x removed.
  assert.deepEqual(calls.at(-1), ['4']);
  const req = xds2.status().find((s) => s.nodeId === NODE_ID)?.types.find((ty) => ty.typeUrl === LISTENER_TYPE);
  assert.equal(req?.wildcard, true);
});

test('initial_metadata goes with every stream; the node only in the first request when asked', { timeout: 10_000 }, async (t) => {
  const got: { token: unknown[]; nodes: boolean[] } = { token: [], nodes: [] };
  const server = new grpc.Server();
  server.addService(grpcServiceDefinition(AggregatedDiscoveryService), {
    streamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, unknown>) => {
      got.token.push(...call.metadata.get('x-token'));
      call.on('data', (req: DiscoveryRequest) => got.nodes.push(req.node !== undefined));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0',
    grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const client = new AdsClient({ target: `127.0.0.1:${port}`, node, initialMetadata: [['x-token', 'abc']],
    setNodeOnFirstMessageOnly: true });
  t.after(() => {
    client.close();
    server.forceShutdown();
  });
  client.watch(LISTENER_TYPE, true, { apply: () => null });
  client.watch(ROUTE_TYPE, false, { apply: () => null });
  client.start();
  client.setNames(ROUTE_TYPE, ['r']);
  await waitFor('two requests', () => (got.nodes.length >= 2 ? true : undefined));
  assert.deepEqual(got.token, ['abc']);
  assert.deepEqual(got.nodes.slice(0, 2), [true, false]);
});
