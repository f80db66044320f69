// State-of-the-world ADS against the xDS protocol doc: wildcard and named subscriptions, ACK,
// NACK, stale nonces, one response in flight per type, reconnects, node groups, stream cleanup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ListenerSchema, type Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema, type RouteConfiguration } from '../gen/envoy/config/route/v3/route_pb.js';
import { ClusterSchema, type Cluster } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { DiscoveryResponse } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { registry } from '../registry.js';
import { startXdsServer, type XdsServer } from './server.js';
import { snapshotOf } from './snapshot.js';
import { sotwClient } from './test-support.js';
import { CLUSTER_TYPE, LISTENER_TYPE, ROUTE_TYPE } from './type-urls.js';

const listener = (name: string, statPrefix = ''): Listener => create(ListenerSchema, { name, statPrefix });
const route = (name: string): RouteConfiguration => create(RouteConfigurationSchema, { name });
const cluster = (name: string): Cluster => create(ClusterSchema, { name });

/** The resource names in a response, in order. */
function names(r: DiscoveryResponse): string[] {
  return r.resources.map((a) => (anyUnpack(a, registry) as unknown as { name: string }).name);
}

async function withServer(fn: (xds: XdsServer) => Promise<void>, opts: Parameters<typeof startXdsServer>[0] = {}): Promise<void> {
  const xds = await startXdsServer({ port: 0, ...opts });
  try {
    await fn(xds);
  } finally {
    await xds.close();
  }
}

const node = { id: 'n1', cluster: 'web' };

test('wildcard LDS: everything, a nonce per response, nothing more after the ACK, full state on change', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('n1', snapshotOf('1', [listener('l1'), listener('l2'), route('r1'), cluster('c1')]));
    const c = sotwClient(xds.port);
    try {
      c.send({ node, typeUrl: LISTENER_TYPE });
      const r1 = await c.next();
      assert.equal(r1.typeUrl, LISTENER_TYPE);
      assert.equal(r1.versionInfo, '1');
      assert.notEqual(r1.nonce, '');
      assert.deepEqual(names(r1).sort(), ['l1', 'l2']);
      c.send({ typeUrl: LISTENER_TYPE, versionInfo: '1', responseNonce: r1.nonce });
      await c.none();
      const [p] = xds.status();
      const lds = p.types.find((t) => t.typeUrl === LISTENER_TYPE)!;
      assert.equal(p.nodeId, 'n1');
      assert.equal(p.nodeCluster, 'web');
      assert.equal(lds.wildcard, true);
      assert.equal(lds.ackedVersion, '1');
      assert.equal(lds.state, 'SYNCED');
      assert.equal(p.types.length, 1, 'types the client never asked for are not tracked or sent');

      // l2 removed, l3 added: the whole new state comes, CDS/RDS (not subscribed) do not.
      xds.cache.setSnapshot('n1', snapshotOf('2', [listener('l1', 'changed'), listener('l3'), route('r1'), cluster('c2')]));
      const r2 = await c.next();
      assert.equal(r2.versionInfo, '2');
      assert.notEqual(r2.nonce, r1.nonce);
      assert.deepEqual(names(r2).sort(), ['l1', 'l3']);
      c.send({ typeUrl: LISTENER_TYPE, versionInfo: '2', responseNonce: r2.nonce });
      await c.none();
    } finally {
      c.close();
    }
  });
});

test('RDS: only requested names; a newly requested name comes even at the same version', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('n1', snapshotOf('1', [route('r1'), route('r2'), route('r3')]));
    const c = sotwClient(xds.port);
    try {
      c.send({ node, typeUrl: ROUTE_TYPE, resourceNames: ['r1'] });
      const a = await c.next();
      assert.deepEqual(names(a), ['r1']);
      // The ACK adds r2: the server must send it although the version did not change.
      c.send({ typeUrl: ROUTE_TYPE, versionInfo: '1', responseNonce: a.nonce, resourceNames: ['r1', 'r2'] });
      const b = await c.next();
      assert.equal(b.versionInfo, '1');
      assert.deepEqual(names(b).sort(), ['r1', 'r2']);
      // Dropping r2 needs no response.
      c.send({ typeUrl: ROUTE_TYPE, versionInfo: '1', responseNonce: b.nonce, resourceNames: ['r1'] });
      await c.none();
      // Asking for r2 again: it must be resent.
      c.send({ typeUrl: ROUTE_TYPE, versionInfo: '1', responseNonce: b.nonce, resourceNames: ['r1', 'r2'] });
      const d = await c.next();
      assert.deepEqual(names(d).sort(), ['r1', 'r2']);
      // A name that does not exist yet is remembered and sent when it appears.
      c.send({ typeUrl: ROUTE_TYPE, versionInfo: '1', responseNonce: d.nonce, resourceNames: ['r1', 'r2', 'r9'] });
      await c.none();
      xds.cache.setSnapshot('n1', snapshotOf('2', [route('r1'), route('r2'), route('r9')]));
      const e = await c.next();
      assert.equal(e.versionInfo, '2');
      assert.deepEqual(names(e).sort(), ['r1', 'r2', 'r9']);
    } finally {
      c.close();
    }
  });
});

test('NACK: recorded with its message, the last good version stays ACKed, the bad one is not resent', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('n1', snapshotOf('1', [cluster('c1')]));
    const c = sotwClient(xds.port);
    try {
      c.send({ node, typeUrl: CLUSTER_TYPE });
      const r1 = await c.next();
      c.send({ typeUrl: CLUSTER_TYPE, versionInfo: '1', responseNonce: r1.nonce });
      xds.cache.setSnapshot('n1', snapshotOf('2', [cluster('c1'), cluster('bad')]));
      const r2 = await c.next();
      assert.equal(r2.versionInfo, '2');
      c.send({
        typeUrl: CLUSTER_TYPE, versionInfo: '1', responseNonce: r2.nonce,
        errorDetail: { code: GrpcStatus.INVALID_ARGUMENT, message: 'cluster bad: no endpoints' },
      });
      await c.none();
      const cds = xds.status()[0].types.find((t) => t.typeUrl === CLUSTER_TYPE)!;
      assert.equal(cds.state, 'NACKED');
      assert.equal(cds.ackedVersion, '1');
      assert.equal(cds.sentVersion, '2');
      assert.deepEqual({ ...cds.lastNack, time: undefined }, {
        version: '2', clientVersion: '1', nonce: r2.nonce, code: GrpcStatus.INVALID_ARGUMENT,
        message: 'cluster bad: no endpoints', time: undefined,
      });
      // A fixed snapshot goes out and is ACKed; the NACK stays on record.
      xds.cache.setSnapshot('n1', snapshotOf('3', [cluster('c1')]));
      const r3 = await c.next();
      assert.equal(r3.versionInfo, '3');
      c.send({ typeUrl: CLUSTER_TYPE, versionInfo: '3', responseNonce: r3.nonce });
      await c.none();
      const after = xds.status()[0].types.find((t) => t.typeUrl === CLUSTER_TYPE)!;
      assert.equal(after.state, 'SYNCED');
      assert.equal(after.ackedVersion, '3');
      assert.equal(after.lastNack?.version, '2');
    } finally {
      c.close();
    }
  });
});

test('one response in flight per type; a request with a stale nonce is ignored', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('n1', snapshotOf('1', [listener('l1')]));
    const c = sotwClient(xds.port);
    try {
      c.send({ node, typeUrl: LISTENER_TYPE });
      const r1 = await c.next();
      xds.cache.setSnapshot('n1', snapshotOf('2', [listener('l1'), listener('l2')]));
      await c.none(); // v1 is not answered yet
      assert.equal(xds.status()[0].types[0].state, 'STALE');
      c.send({ typeUrl: LISTENER_TYPE, versionInfo: '1', responseNonce: r1.nonce });
      const r2 = await c.next();
      assert.equal(r2.versionInfo, '2');
      // A late request still carrying r1's nonce is superseded by r2.
      c.send({ typeUrl: LISTENER_TYPE, versionInfo: '1', responseNonce: r1.nonce, resourceNames: ['l1'] });
      await c.none();
      assert.deepEqual(xds.status()[0].types[0].ackedVersion, '1');
    } finally {
      c.close();
    }
  });
});

test('after explicit names, an empty list unsubscribes (no legacy wildcard)', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('n1', snapshotOf('1', [cluster('c1'), cluster('c2')]));
    const c = sotwClient(xds.port);
    try {
      c.send({ node, typeUrl: CLUSTER_TYPE, resourceNames: ['c1'] });
      const r1 = await c.next();
      assert.deepEqual(names(r1), ['c1']);
      c.send({ typeUrl: CLUSTER_TYPE, versionInfo: '1', responseNonce: r1.nonce, resourceNames: [] });
      await c.none();
      xds.cache.setSnapshot('n1', snapshotOf('2', [cluster('c1'), cluster('c2')]));
      await c.none();
      // "*" subscribes to everything explicitly.
      c.send({ typeUrl: CLUSTER_TYPE, versionInfo: '1', responseNonce: r1.nonce, resourceNames: ['*'] });
      const r2 = await c.next();
      assert.deepEqual(names(r2).sort(), ['c1', 'c2']);
    } finally {
      c.close();
    }
  });
});

test('reconnect: a wildcard client already at the current version gets nothing; a named one gets its resources', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('n1', snapshotOf('7', [listener('l1'), route('r1')]));
    const c = sotwClient(xds.port);
    try {
      c.send({ node, typeUrl: LISTENER_TYPE, versionInfo: '7' });
      await c.none();
      const lds = xds.status()[0].types.find((t) => t.typeUrl === LISTENER_TYPE)!;
      assert.equal(lds.state, 'SYNCED');
      assert.equal(lds.ackedVersion, '7');
      c.send({ typeUrl: ROUTE_TYPE, versionInfo: '7', resourceNames: ['r1'] });
      const r = await c.next();
      assert.deepEqual(names(r), ['r1']);
      c.send({ typeUrl: ROUTE_TYPE, versionInfo: '7', responseNonce: r.nonce, resourceNames: ['r1'] });
      // The next change still reaches the wildcard subscription.
      xds.cache.setSnapshot('n1', snapshotOf('8', [listener('l1'), listener('l2'), route('r1')]));
      const seen = [await c.next(), await c.next()].filter((x) => x.typeUrl === LISTENER_TYPE);
      assert.deepEqual(names(seen[0]).sort(), ['l1', 'l2']);
    } finally {
      c.close();
    }
  });
});

test('protocol errors end the stream with INVALID_ARGUMENT; the process keeps serving', async () => {
  await withServer(async (xds) => {
    const noNode = sotwClient(xds.port);
    noNode.send({ typeUrl: LISTENER_TYPE });
    const s1 = await noNode.status();
    assert.equal(s1.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(s1.details, /node/);
    noNode.close();
    const noType = sotwClient(xds.port);
    noType.send({ node });
    const s2 = await noType.status();
    assert.equal(s2.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(s2.details, /type_url/);
    noType.close();
    assert.deepEqual(xds.status(), []);
  });
});

test('node groups share a snapshot; cancelled and half-closed streams leave status()', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('web', snapshotOf('1', [listener('l1')]));
    const a = sotwClient(xds.port);
    const b = sotwClient(xds.port);
    try {
      a.send({ node: { id: 'a', cluster: 'web' }, typeUrl: LISTENER_TYPE });
      b.send({ node: { id: 'b', cluster: 'web' }, typeUrl: LISTENER_TYPE });
      const [ra, rb] = [await a.next(), await b.next()];
      assert.equal(ra.versionInfo, '1');
      assert.equal(rb.versionInfo, '1');
      a.send({ typeUrl: LISTENER_TYPE, versionInfo: '1', responseNonce: ra.nonce });
      b.send({ typeUrl: LISTENER_TYPE, versionInfo: '1', responseNonce: rb.nonce });
      xds.cache.setSnapshot('web', snapshotOf('2', [listener('l2')]));
      assert.deepEqual(names(await a.next()), ['l2']);
      assert.deepEqual(names(await b.next()), ['l2']);
      assert.deepEqual(xds.status().map((p) => [p.nodeId, p.snapshotKey]), [['a', 'web'], ['b', 'web']]);
      a.close();
      b.end();
      assert.equal((await b.status()).code, GrpcStatus.OK);
      for (let i = 0; i < 100 && xds.status().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(xds.status(), []);
    } finally {
      a.close();
      b.close();
    }
  }, { nodeKey: (n) => n.cluster });
});
