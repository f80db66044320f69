// Strait's xDS server against a real xDS client: gRPC's proxyless @grpc/grpc-js-xds resolves
// xds:///my-target through LDS -> RDS -> CDS -> EDS, follows weight changes, and NACKs bad clusters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { create, type Message } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ListenerSchema } from '../src/xds/gen/envoy/config/listener/v3/listener_pb.js';
import { HttpConnectionManagerSchema } from
  '../src/xds/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { RouterSchema } from '../src/xds/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { RouteConfigurationSchema } from '../src/xds/gen/envoy/config/route/v3/route_pb.js';
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy } from '../src/xds/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../src/xds/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ApiVersion } from '../src/xds/gen/envoy/config/core/v3/config_source_pb.js';
import {
  startXdsServer, snapshotOf, CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE,
  type ProxyStatus, type TypeStatus, type XdsServer,
} from '../src/xds/server/index.js';
import { sleep, waitFor } from './lib/wait.js';

const NODE_ID = 'interop-node';
const TARGET = 'my-target';
const METHOD = '/strait.test.Backend/Who';

/** A hand-written unary service with JSON messages: answers with the backend's name. */
const backendService: grpc.ServiceDefinition = {
  who: {
    path: METHOD, requestStream: false, responseStream: false, originalName: 'Who',
    requestSerialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
    requestDeserialize: (b: Buffer) => JSON.parse(b.toString()) as unknown,
    responseSerialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
    responseDeserialize: (b: Buffer) => JSON.parse(b.toString()) as unknown,
  },
};

async function startBackend(name: string): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(backendService, {
    who: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, { backend: name }),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0',
    grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port };
}

function ads(): { configSourceSpecifier: { case: 'ads'; value: object }; resourceApiVersion: ApiVersion } {
  return { configSourceSpecifier: { case: 'ads', value: {} }, resourceApiVersion: ApiVersion.V3 };
}

interface Versions { weightA: number; weightB: number; lbPolicyB?: number }

/** LDS/RDS/CDS/EDS for the target: a route splitting between cluster-a and cluster-b. */
function resources(ports: { a: number; b: number }, v: Versions): Message[] {
  const hcm = create(HttpConnectionManagerSchema, {
    routeSpecifier: { case: 'rds', value: { configSource: ads(), routeConfigName: 'my-route' } },
    httpFilters: [{ name: 'router', configType: { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema)) } }],
  });
  const listener = create(ListenerSchema, {
    name: TARGET, apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm) },
  });
  const route = create(RouteConfigurationSchema, {
    name: 'my-route',
    virtualHosts: [{
      name: 'all', domains: ['*'],
      routes: [{
        match: { pathSpecifier: { case: 'prefix', value: '' } },
        action: { case: 'route', value: { clusterSpecifier: { case: 'weightedClusters', value: {
          clusters: [{ name: 'cluster-a', weight: v.weightA }, { name: 'cluster-b', weight: v.weightB }],
        } } } },
      }],
    }],
  });
  const cluster = (name: string, lbPolicy: number): Message => create(ClusterSchema, {
    name, clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: ads() }, lbPolicy,
  });
  const cla = (name: string, port: number): Message => create(ClusterLoadAssignmentSchema, {
    clusterName: name,
    endpoints: [{
      locality: { region: 'local' }, loadBalancingWeight: 1,
      lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: { address: {
        case: 'socketAddress', value: { address: '127.0.0.1', portSpecifier: { case: 'portValue', value: port } },
      } } } } }],
    }],
  });
  return [listener, route, cluster('cluster-a', Cluster_LbPolicy.ROUND_ROBIN),
    cluster('cluster-b', v.lbPolicyB ?? Cluster_LbPolicy.ROUND_ROBIN), cla('cluster-a', ports.a), cla('cluster-b', ports.b)];
}

function who(client: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(METHOD, (v: unknown) => Buffer.from(JSON.stringify(v)),
      (b: Buffer) => JSON.parse(b.toString()) as { backend: string }, {},
      { deadline: Date.now() + 2000 }, (err, res) => (err || !res ? reject(err) : resolve(res.backend)));
  });
}



function typeStatus(xds: XdsServer, typeUrl: string): TypeStatus | undefined {
  const p: ProxyStatus | undefined = xds.status().find((s) => s.nodeId === NODE_ID);
  return p?.types.find((t) => t.typeUrl === typeUrl);
}

test('grpc-js-xds resolves through Strait\'s ADS server, follows weights, NACKs a bad cluster', { timeout: 30_000 }, async (t) => {
  const logs: string[] = [];
  const xds = await startXdsServer({ host: '127.0.0.1', port: 0, log: (level, m) => logs.push(`${level} ${m}`) });
  const a = await startBackend('a');
  const b = await startBackend('b');
  let client: grpc.Client | undefined;
  t.after(async () => {
    client?.close();
    a.server.forceShutdown();
    b.server.forceShutdown();
    await xds.close();
  });
  const ports = { a: a.port, b: b.port };
  xds.cache.setSnapshot(NODE_ID, snapshotOf('1', resources(ports, { weightA: 100, weightB: 0 })));

  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${xds.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: NODE_ID, locality: {} },
  });
  const require = createRequire(import.meta.url);
  (require('@grpc/grpc-js-xds') as { register(): void }).register();
  client = new grpc.Client(`xds:///${TARGET}`, grpc.credentials.createInsecure());
  const c = client;

  // 1. The whole chain resolves and calls reach backend a (weight 100).
  assert.equal(await waitFor('a first call through xDS', 10_000, () => who(c)), 'a');
  for (let i = 0; i < 5; i++) assert.equal(await who(c), 'a');

  const proxy = xds.status().find((s) => s.nodeId === NODE_ID);
  assert.ok(proxy, 'the client shows up in status()');
  assert.equal(proxy.variant, 'sotw');
  assert.ok(proxy.connectedSince instanceof Date && proxy.connectedSince.getTime() <= Date.now());
  assert.match(proxy.userAgent, /grpc/i);
  for (const type of [LISTENER_TYPE, ROUTE_TYPE, CLUSTER_TYPE, ENDPOINT_TYPE]) {
    const ts = await waitFor(`ACK of ${type}`, 2000, () => {
      const s = typeStatus(xds, type);
      return s?.state === 'SYNCED' ? s : undefined;
    });
    assert.equal(ts.ackedVersion, '1', type);
    assert.equal(ts.sentVersion, '1', type);
    assert.equal(ts.ackedNonce, ts.sentNonce, type);
    assert.equal(ts.lastNack, undefined, type);
  }
  // gRPC names what it wants (no wildcard), and only what the listener/route/clusters lead to.
  assert.deepEqual(typeStatus(xds, LISTENER_TYPE)?.subscribed, [TARGET]);
  assert.deepEqual(typeStatus(xds, ROUTE_TYPE)?.subscribed, ['my-route']);
  assert.deepEqual(typeStatus(xds, CLUSTER_TYPE)?.subscribed, ['cluster-a', 'cluster-b']);

  // 2. Weights 100/0 -> 0/100: calls move to backend b within a second.
  const before = typeStatus(xds, ROUTE_TYPE)!.sentNonce;
  const switchedAt = Date.now();
  xds.cache.setSnapshot(NODE_ID, snapshotOf('2', resources(ports, { weightA: 0, weightB: 100 })));
  await waitFor('calls to move to backend b', 1000, async () => ((await who(c)) === 'b' ? true : undefined));
  assert.ok(Date.now() - switchedAt < 1000, `moved after ${Date.now() - switchedAt} ms`);
  for (let i = 0; i < 10; i++) assert.equal(await who(c), 'b');
  const rds = await waitFor('ACK of RDS version 2', 2000, () => {
    const s = typeStatus(xds, ROUTE_TYPE);
    return s?.ackedVersion === '2' ? s : undefined;
  });
  assert.notEqual(rds.sentNonce, before, 'a new nonce for the new version');
  const cdsAcked = await waitFor('ACK of CDS version 2', 2000, () => {
    const s = typeStatus(xds, CLUSTER_TYPE);
    return s?.ackedVersion === '2' ? s : undefined;
  });
  assert.equal(cdsAcked.state, 'SYNCED');

  // 3. A cluster with an lb_policy gRPC does not know: NACKed with gRPC's message, version 2 stays ACKed.
  xds.cache.setSnapshot(NODE_ID, snapshotOf('3', resources(ports, { weightA: 0, weightB: 100, lbPolicyB: 99 })));
  const nacked = await waitFor('NACK of CDS version 3', 3000, () => {
    const s = typeStatus(xds, CLUSTER_TYPE);
    return s?.lastNack ? s : undefined;
  });
  assert.equal(nacked.state, 'NACKED');
  assert.equal(nacked.lastNack!.version, '3');
  assert.equal(nacked.lastNack!.nonce, nacked.sentNonce);
  assert.match(nacked.lastNack!.message, /unsupported lb_policy/);
  assert.match(nacked.lastNack!.message, /cluster-b|index 1/);
  assert.ok(nacked.lastNack!.time instanceof Date);
  assert.equal(nacked.ackedVersion, '2', 'the last good CDS version stays ACKed');
  assert.equal(nacked.sentVersion, '3');
  assert.equal(nacked.snapshotVersion, '3');
  assert.ok(logs.some((l) => /^warn .*node "interop-node".*CDS version "3" rejected.*unsupported lb_policy/.test(l)),
    `the NACK is logged: ${logs.join('\n')}`);
  // The client keeps its last good cluster-b: calls still work and still go to b.
  for (let i = 0; i < 5; i++) assert.equal(await who(c), 'b');
  // The rejected version is not pushed again while the snapshot stays the same.
  await sleep(200);
  assert.equal(typeStatus(xds, CLUSTER_TYPE)!.sentNonce, nacked.sentNonce);

  // 4. A fixed snapshot is accepted again.
  xds.cache.setSnapshot(NODE_ID, snapshotOf('4', resources(ports, { weightA: 100, weightB: 0 })));
  const fixed = await waitFor('ACK of CDS version 4', 3000, () => {
    const s = typeStatus(xds, CLUSTER_TYPE);
    return s?.ackedVersion === '4' ? s : undefined;
  });
  assert.equal(fixed.state, 'SYNCED');
  assert.equal(fixed.lastNack?.version, '3', 'the last NACK stays on record');
  await waitFor('calls to move back to backend a', 1000, async () => ((await who(c)) === 'a' ? true : undefined));

  // 5. Closing the client ends its ADS stream; the server forgets it.
  client.close();
  client = undefined;
  await waitFor('the stream to leave status()', 3000, () => (xds.status().length === 0 ? true : undefined));
});
