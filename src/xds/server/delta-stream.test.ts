// Incremental ADS against the xDS protocol doc: legacy and explicit wildcard, named subscribe and
// unsubscribe, initial_resource_versions, per-resource hashes, removed_resources, ACK/NACK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ClusterSchema, type Cluster } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { VirtualHostSchema } from '../gen/envoy/config/route/v3/route_components_pb.js';
import type { DeltaDiscoveryResponse } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { startXdsServer, type XdsServer } from './server.js';
import { snapshotOf } from './snapshot.js';
import { deltaClient } from './test-support.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, VIRTUAL_HOST_TYPE } from './type-urls.js';

const cluster = (name: string, altStatName = ''): Cluster => create(ClusterSchema, { name, altStatName });
const cla = (clusterName: string, weight?: number): ClusterLoadAssignment =>
  create(ClusterLoadAssignmentSchema, { clusterName, endpoints: weight ? [{ loadBalancingWeight: weight }] : [] });

/** A VHDS resource `<route config>/<vhost>` whose virtual host answers `domain`. */
const vhost = (routeConfig: string, name: string, domain: string) => ({
  name: `${routeConfig}/${name}`,
  resource: create(AnySchema, {
    typeUrl: VIRTUAL_HOST_TYPE, value: toBinary(VirtualHostSchema, create(VirtualHostSchema, { name, domains: [domain] })),
  }),
});

const names = (r: DeltaDiscoveryResponse): string[] => r.resources.map((x) => x.name).sort();

async function withServer(fn: (xds: XdsServer) => Promise<void>): Promise<void> {
  const xds = await startXdsServer({ port: 0 });
  try {
    await fn(xds);
  } finally {
    await xds.close();
  }
}

const node = { id: 'd1' };

test('legacy wildcard CDS: everything with content-hash versions, then only changes and removals', async () => {
  await withServer(async (xds) => {
    const v1 = snapshotOf('1', [cluster('c1'), cluster('c2'), cluster('c3')]);
    xds.cache.setSnapshot('d1', v1);
    const c = deltaClient(xds.port);
    try {
      c.send({ node, typeUrl: CLUSTER_TYPE });
      const r1 = await c.next();
      assert.equal(r1.typeUrl, CLUSTER_TYPE);
      assert.equal(r1.systemVersionInfo, '1');
      assert.deepEqual(names(r1), ['c1', 'c2', 'c3']);
      for (const r of r1.resources) {
        assert.equal(r.version, v1.get(CLUSTER_TYPE)!.resources.get(r.name)!.version);
        assert.match(r.version, /^[0-9a-f]{64}$/);
        assert.equal(r.resource?.typeUrl, CLUSTER_TYPE);
      }
      assert.deepEqual(r1.removedResources, []);
      c.send({ typeUrl: CLUSTER_TYPE, responseNonce: r1.nonce });
      await c.none();
      const cds = xds.status()[0].types[0];
      assert.equal(xds.status()[0].variant, 'delta');
      assert.equal(cds.ackedVersion, '1');
      assert.equal(cds.state, 'SYNCED');
      assert.equal(cds.wildcard, true);

      // c1 changes, c2 stays, c3 goes, c4 comes: only c1 and c4 are sent, c3 is removed.
      xds.cache.setSnapshot('d1', snapshotOf('2', [cluster('c1', 'x'), cluster('c2'), cluster('c4')]));
      const r2 = await c.next();
      assert.equal(r2.systemVersionInfo, '2');
      assert.deepEqual(names(r2), ['c1', 'c4']);
      assert.deepEqual(r2.removedResources, ['c3']);
      assert.notEqual(r2.nonce, r1.nonce);
      c.send({ typeUrl: CLUSTER_TYPE, responseNonce: r2.nonce });
      // A snapshot with the same contents under a new version sends nothing; the client, holding
      // exactly that content, is SYNCED to the new version (not STALE).
      xds.cache.setSnapshot('d1', snapshotOf('3', [cluster('c1', 'x'), cluster('c2'), cluster('c4')]));
      await c.none();
      assert.deepEqual([xds.status()[0].types[0].ackedVersion, xds.status()[0].types[0].state], ['3', 'SYNCED']);
    } finally {
      c.close();
    }
  });
});

test('named EDS: missing names are reported removed; unsubscribe is silent; resubscribe resends', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('d1', snapshotOf('1', [cla('a', 1), cla('b', 1)]));
    const c = deltaClient(xds.port);
    try {
      c.send({ node, typeUrl: ENDPOINT_TYPE, resourceNamesSubscribe: ['a', 'missing'] });
      const r1 = await c.next();
      assert.deepEqual(names(r1), ['a']);
      assert.deepEqual(r1.removedResources, ['missing']);
      c.send({ typeUrl: ENDPOINT_TYPE, responseNonce: r1.nonce, resourceNamesSubscribe: ['b'] });
      const r2 = await c.next();
      assert.deepEqual(names(r2), ['b']);
      assert.deepEqual(r2.removedResources, []);
      c.send({ typeUrl: ENDPOINT_TYPE, responseNonce: r2.nonce, resourceNamesUnsubscribe: ['a'] });
      await c.none();
      // a changes: not subscribed any more, nothing comes.
      xds.cache.setSnapshot('d1', snapshotOf('2', [cla('a', 2), cla('b', 1)]));
      await c.none();
      // Subscribing again (even with a stale nonce) gets the current a.
      c.send({ typeUrl: ENDPOINT_TYPE, responseNonce: 'stale', resourceNamesSubscribe: ['a'] });
      const r3 = await c.next();
      assert.deepEqual(names(r3), ['a']);
      assert.equal(r3.systemVersionInfo, '2');
      assert.deepEqual(xds.status()[0].types[0].subscribed, ['a', 'b', 'missing']);
      // "missing" springs into existence later: it is sent.
      c.send({ typeUrl: ENDPOINT_TYPE, responseNonce: r3.nonce, resourceNamesSubscribe: ['missing'] });
      const r4 = await c.next();
      assert.deepEqual(r4.removedResources, ['missing'], 'still missing: told again for the new subscription');
      xds.cache.setSnapshot('d1', snapshotOf('3', [cla('a', 2), cla('b', 1), cla('missing', 1)]));
      const r5 = await c.next();
      assert.deepEqual(names(r5), ['missing']);
    } finally {
      c.close();
    }
  });
});

test('initial_resource_versions: what the client already holds is not resent', async () => {
  await withServer(async (xds) => {
    const snap = snapshotOf('1', [cla('a', 1), cla('b', 1)]);
    xds.cache.setSnapshot('d1', snap);
    const c = deltaClient(xds.port);
    try {
      c.send({
        node, typeUrl: ENDPOINT_TYPE, resourceNamesSubscribe: ['a', 'b', 'gone'],
        initialResourceVersions: { a: snap.get(ENDPOINT_TYPE)!.resources.get('a')!.version, b: 'old', gone: 'old' },
      });
      const r = await c.next();
      assert.deepEqual(names(r), ['b']);
      assert.deepEqual(r.removedResources, ['gone']);
    } finally {
      c.close();
    }
  });
});

test('NACK: recorded, last ACKed version kept, rejected resources not resent until they change', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('d1', snapshotOf('1', [cluster('c1')]));
    const c = deltaClient(xds.port);
    try {
      c.send({ node, typeUrl: CLUSTER_TYPE });
      const r1 = await c.next();
      c.send({ typeUrl: CLUSTER_TYPE, responseNonce: r1.nonce });
      xds.cache.setSnapshot('d1', snapshotOf('2', [cluster('c1', 'bad')]));
      const r2 = await c.next();
      c.send({
        typeUrl: CLUSTER_TYPE, responseNonce: r2.nonce,
        errorDetail: { code: GrpcStatus.INVALID_ARGUMENT, message: 'c1: bad alt_stat_name' },
      });
      await c.none();
      const t = xds.status()[0].types[0];
      assert.equal(t.state, 'NACKED');
      assert.equal(t.ackedVersion, '1');
      assert.equal(t.lastNack?.version, '2');
      assert.equal(t.lastNack?.message, 'c1: bad alt_stat_name');
      xds.cache.setSnapshot('d1', snapshotOf('3', [cluster('c1', 'good')]));
      const r3 = await c.next();
      assert.deepEqual(names(r3), ['c1']);
      c.send({ typeUrl: CLUSTER_TYPE, responseNonce: r3.nonce });
      await c.none();
      assert.equal(xds.status()[0].types[0].state, 'SYNCED');
    } finally {
      c.close();
    }
  });
});

test('wildcard plus a name: unsubscribing the name says whether the wildcard still covers it', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('d1', snapshotOf('1', [cluster('c1')]));
    const c = deltaClient(xds.port);
    try {
      c.send({ node, typeUrl: CLUSTER_TYPE, resourceNamesSubscribe: ['*', 'c1', 'extra'] });
      const r1 = await c.next();
      assert.deepEqual(names(r1), ['c1']);
      assert.deepEqual(r1.removedResources, ['extra']);
      c.send({ typeUrl: CLUSTER_TYPE, responseNonce: r1.nonce, resourceNamesUnsubscribe: ['c1', 'extra'] });
      const r2 = await c.next();
      assert.deepEqual(names(r2), ['c1'], 'still covered by the wildcard');
      assert.deepEqual(r2.removedResources, ['extra']);
      // Dropping the wildcard with nothing named left: nothing to say.
      c.send({ typeUrl: CLUSTER_TYPE, responseNonce: r2.nonce, resourceNamesUnsubscribe: ['*'] });
      await c.none();
      xds.cache.setSnapshot('d1', snapshotOf('2', [cluster('c1', 'y'), cluster('c2')]));
      await c.none();
    } finally {
      c.close();
    }
  });
});

test('an empty first wildcard answer still comes, so the client is not left waiting', async () => {
  await withServer(async (xds) => {
    xds.cache.setSnapshot('d1', snapshotOf('1', []));
    const c = deltaClient(xds.port);
    try {
      c.send({ node, typeUrl: CLUSTER_TYPE });
      const r = await c.next();
      assert.equal(r.systemVersionInfo, '1');
      assert.deepEqual(r.resources, []);
      // Named types get nothing until something exists (EDS without names subscribes to nothing).
      c.send({ typeUrl: ENDPOINT_TYPE });
      await c.none();
    } finally {
      c.close();
    }
  });
});

test('VHDS: a route configuration name subscribes to its virtual hosts; an edit sends only the one that changed', async () => {
  await withServer(async (xds) => {
    const mesh = (catalogDomain: string) => snapshotOf('1', [
      vhost('80', 'catalog:80', catalogDomain), vhost('80', 'webapp:80', 'webapp'), vhost('9080', 'reviews:9080', 'reviews'),
    ]);
    xds.cache.setSnapshot('d1', mesh('catalog'));
    const c = deltaClient(xds.port);
    try {
      c.send({ node, typeUrl: VIRTUAL_HOST_TYPE, resourceNamesSubscribe: ['80', 'nothing-here'] });
      const r1 = await c.next();
      assert.deepEqual(names(r1), ['80/catalog:80', '80/webapp:80'], 'the namespace 80, not 9080');
      assert.deepEqual(r1.removedResources, ['nothing-here'], 'an empty namespace is answered with its name');
      c.send({ typeUrl: VIRTUAL_HOST_TYPE, responseNonce: r1.nonce });
      await c.none();

      xds.cache.setSnapshot('d1', mesh('catalog.default'));
      const r2 = await c.next();
      assert.deepEqual(names(r2), ['80/catalog:80']);
      c.send({ typeUrl: VIRTUAL_HOST_TYPE, responseNonce: r2.nonce, resourceNamesSubscribe: ['9080'] });
      const r3 = await c.next();
      assert.deepEqual(names(r3), ['9080/reviews:9080']);

      // A virtual host gone from its route configuration is removed; unsubscribing a namespace is silent.
      c.send({ typeUrl: VIRTUAL_HOST_TYPE, responseNonce: r3.nonce, resourceNamesUnsubscribe: ['9080'] });
      await c.none();
      xds.cache.setSnapshot('d1', snapshotOf('2', [vhost('80', 'catalog:80', 'catalog.default'), vhost('9080', 'reviews:9080', 'reviews.x')]));
      const r4 = await c.next();
      assert.deepEqual(names(r4), []);
      assert.deepEqual(r4.removedResources, ['80/webapp:80']);
    } finally {
      c.close();
    }
  });
});
