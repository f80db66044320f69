// Snapshots: names from the resources themselves, content hashes as delta versions, and the
// mistakes a control plane can make (duplicate names, wrong types) refused when building.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../gen/envoy/config/listener/v3/listener_pb.js';
import { NodeSchema } from '../gen/envoy/config/core/v3/base_pb.js';
import { SnapshotCache } from './snapshot-cache.js';
import { createSnapshot, resourceHash, snapshotOf } from './snapshot.js';
import { CLUSTER_TYPE, CORE_TYPES, ENDPOINT_TYPE, LISTENER_TYPE, SECRET_TYPE } from './type-urls.js';

test('snapshotOf groups by type, names by name/cluster_name, hashes the bytes', () => {
  const c = create(ClusterSchema, { name: 'c1' });
  const s = snapshotOf('v1', [c, create(ClusterLoadAssignmentSchema, { clusterName: 'c1' })]);
  assert.deepEqual(s.typeUrls().sort(), [...CORE_TYPES].sort());
  assert.equal(s.version(CLUSTER_TYPE), 'v1');
  assert.equal(s.get(SECRET_TYPE)?.resources.size, 0, 'core types are present even when empty');
  const r = s.get(CLUSTER_TYPE)!.resources.get('c1')!;
  assert.equal(r.resource.typeUrl, CLUSTER_TYPE);
  assert.deepEqual(r.resource.value, toBinary(ClusterSchema, c));
  assert.equal(r.version, resourceHash(r.resource));
  assert.ok(s.get(ENDPOINT_TYPE)!.resources.has('c1'));
  assert.notEqual(snapshotOf('v1', [create(ClusterSchema, { name: 'c1', altStatName: 'x' })])
    .get(CLUSTER_TYPE)!.resources.get('c1')!.version, r.version, 'different bytes, different hash');
});

test('createSnapshot takes pre-packed Anys with names and per-type versions', () => {
  const any = anyPack(ListenerSchema, create(ListenerSchema, { name: 'l' }));
  const s = createSnapshot({ [LISTENER_TYPE]: { version: 'L7', resources: [{ name: 'l', resource: any }] } });
  assert.deepEqual(s.typeUrls(), [LISTENER_TYPE]);
  assert.equal(s.version(LISTENER_TYPE), 'L7');
  assert.equal(s.get(CLUSTER_TYPE), undefined);
});

test('bad snapshots are refused with a message naming the resource', () => {
  assert.throws(() => snapshotOf('1', [create(ClusterSchema, { name: 'c' }), create(ClusterSchema, { name: 'c' })]),
    /duplicate resource name c/);
  assert.throws(() => snapshotOf('1', [create(ClusterSchema, {})]), /envoy.config.cluster.v3.Cluster: .*non-empty name/);
  const any = anyPack(ListenerSchema, create(ListenerSchema, { name: 'l' }));
  assert.throws(() => createSnapshot({ [CLUSTER_TYPE]: { version: '1', resources: [{ name: 'l', resource: any }] } }),
    /resource l has type .*Listener, expected .*Cluster/);
});

test('the cache keys by node id by default and notifies watchers of their key only', () => {
  const cache = new SnapshotCache();
  assert.equal(cache.nodeKey(create(NodeSchema, { id: 'n7', cluster: 'web' })), 'n7');
  assert.equal(new SnapshotCache({ nodeKey: (n) => n.cluster }).nodeKey(create(NodeSchema, { id: 'n7', cluster: 'web' })), 'web');
  const seen: string[] = [];
  const stop = cache.watch('a', (s) => seen.push(s?.version(CLUSTER_TYPE) ?? 'cleared'));
  cache.setSnapshot('a', snapshotOf('1', []));
  cache.setSnapshot('b', snapshotOf('2', []));
  cache.clearSnapshot('a');
  stop();
  cache.setSnapshot('a', snapshotOf('3', []));
  assert.deepEqual(seen, ['1', 'cleared']);
  assert.deepEqual(cache.keys().sort(), ['a', 'b']);
});
